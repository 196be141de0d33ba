"""One memoized analysis of an instance: everything above the engine reaches it through here.

An :class:`Analysis` is built from one frozen :class:`~solver.core.model.Instance` and computes each
quantity the claims of SPEC.md §8 are made of at most once: the common garblings of the sets T
(§6), the benchmarks ``Bench_i(T)`` and optima ``OPT_i`` (§6), the alignment programs of §7 and
C1's weights (§8), the personalized and anonymous games over a finite class with their response
tables (§5), their equilibria (§5) and their certification in ``full`` (§5, §9). Every quantity is
keyed by what determines it (a set T as the sorted tuple of its provider indices, δ as a
``Fraction``, the class as a :class:`~solver.conversation.classes.StrategyClass`, the limits), and
:attr:`Analysis.work` counts how many times each kind was actually computed.

A refusal (a :class:`~solver.core.errors.PluralisError`, such as a class above its limit) is
remembered like a value and raised again. A result cut short by Ctrl-C (``complete=False``) is
returned but not remembered, so that a later request computes it in full.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from fractions import Fraction
from typing import Generic, TypeVar

from solver.certificates.certification import (
    FullCertification,
    FullResult,
    certify_equilibrium,
    certify_result,
)
from solver.conversation.classes import DEFAULT_CLASS_LIMIT, StrategyClass
from solver.conversation.garblings import Garbling, common_garbling, resolve_providers
from solver.core.errors import PluralisError
from solver.core.model import Instance
from solver.core.numbers import ZERO
from solver.equilibria.enumeration import solve_equilibria
from solver.equilibria.games import Game, Mode
from solver.equilibria.regret import DEFAULT_SELECTION_LIMIT
from solver.equilibria.results import Equilibrium, SolveResult
from solver.oracle.deviation import DeviationBound, solve_commitment
from solver.oracle.problem import OracleOptions
from solver.responses.alignment import (
    AlignmentBound,
    StrongAlignment,
    WeakAlignment,
    best_bound_weights,
    strong_alignment,
    weak_alignment,
)
from solver.responses.information import DEFAULT_BENCHMARK_LIMIT, Benchmark, provider_subsets, solve_benchmark
from solver.responses.response import DEFAULT_LAW_LIMIT, TiePolicy

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")

GARBLING = "garbling"
BENCHMARK = "benchmark"
WEAK_ALIGNMENT = "weak_alignment"
BOUND_WEIGHTS = "bound_weights"
STRONG_ALIGNMENT = "strong_alignment"
GAME = "game"
EQUILIBRIA = "equilibria"
CERTIFICATION = "certification"
CERTIFIED_EQUILIBRIUM = "certified_equilibrium"
COMMITMENT = "commitment"
KINDS = (
    GARBLING,
    BENCHMARK,
    WEAK_ALIGNMENT,
    BOUND_WEIGHTS,
    STRONG_ALIGNMENT,
    GAME,
    EQUILIBRIA,
    CERTIFICATION,
    CERTIFIED_EQUILIBRIUM,
    COMMITMENT,
)
"""The kinds of work :attr:`Analysis.work` counts, one per memoized engine computation."""


class _Memo(Generic[Key, Value]):
    """Values (and refusals) of one kind of computation by key, counting each computation."""

    def __init__(self, kind: str, work: Counter[str]) -> None:
        self.kind = kind
        self.work = work
        self.values: dict[Key, Value] = {}
        self.refusals: dict[Key, PluralisError] = {}

    def get(
        self, key: Key, compute: Callable[[], Value], keep: Callable[[Value], bool] | None = None
    ) -> Value:
        if key in self.values:
            return self.values[key]
        if key in self.refusals:
            raise self.refusals[key]
        self.work[self.kind] += 1
        try:
            value = compute()
        except PluralisError as refusal:
            self.refusals[key] = refusal
            raise
        if keep is None or keep(value):
            self.values[key] = value
        return value

    def put(self, key: Key, value: Value) -> None:
        """Remember a value computed elsewhere (by an engine that computed it on the way)."""
        self.values.setdefault(key, value)


def _game_key(game: Game) -> tuple[Mode, StrategyClass, tuple[int, ...], int, int]:
    return (game.mode, game.strategy_class, game.users, game.limit, game.law_limit)


class Analysis:
    """Everything the claims of SPEC.md §8 compute on one instance, each computed once.

    Parameters
    ----------
    instance : Instance
        The game; frozen, so every remembered value stays valid.

    Attributes
    ----------
    instance : Instance
        The game.
    work : collections.Counter
        How many times each kind of computation (:data:`KINDS`) actually ran.

    Examples
    --------
    >>> from solver.core.serialization import load
    >>> analysis = Analysis(load("instances/prosecutor_judge.yaml"))
    >>> analysis.benchmark(0, (0,)).value
    Fraction(1, 1)
    >>> analysis.benchmark(0, (0,)) is analysis.benchmark(0, (0,))
    True
    >>> analysis.work["benchmark"]
    1
    """

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.work: Counter[str] = Counter()
        self._garblings: _Memo[tuple[int, ...], Garbling] = _Memo(GARBLING, self.work)
        self._benchmarks: _Memo[tuple[int, tuple[int, ...], int], Benchmark] = _Memo(BENCHMARK, self.work)
        self._weak: _Memo[tuple[int, tuple[int, ...], Fraction], WeakAlignment] = _Memo(
            WEAK_ALIGNMENT, self.work
        )
        self._weights: _Memo[tuple[int, tuple[int, ...], Fraction], AlignmentBound] = _Memo(
            BOUND_WEIGHTS, self.work
        )
        self._strong: _Memo[tuple[tuple[int, ...], Fraction], StrongAlignment] = _Memo(
            STRONG_ALIGNMENT, self.work
        )
        self._games: _Memo[tuple[Mode, StrategyClass, int, int], Game] = _Memo(GAME, self.work)
        self._equilibria: _Memo[
            tuple[Mode, StrategyClass, Fraction, TiePolicy, int, int, int], SolveResult
        ] = _Memo(EQUILIBRIA, self.work)
        self._certifications: _Memo[
            tuple[Mode, StrategyClass, Fraction, TiePolicy, int, int, int, OracleOptions], FullResult
        ] = _Memo(CERTIFICATION, self.work)
        self._certified: _Memo[
            tuple[
                tuple[Mode, StrategyClass, tuple[int, ...], int, int], Equilibrium, Fraction, OracleOptions
            ],
            FullCertification,
        ] = _Memo(CERTIFIED_EQUILIBRIUM, self.work)
        self._commitments: _Memo[tuple[tuple[int, ...], OracleOptions], DeviationBound] = _Memo(
            COMMITMENT, self.work
        )

    # -- information and alignment (SPEC.md §6, §7) ---------------------------------------------------

    def subsets(self) -> list[tuple[int, ...]]:
        """Every non-empty set T of providers, by size then file order.

        Returns
        -------
        list of tuple of int
            The sets, each a sorted tuple of provider indices
            (:func:`solver.responses.information.provider_subsets`).
        """
        return provider_subsets(self.instance)

    def providers(self, providers: Iterable[str | int]) -> tuple[int, ...]:
        """A set T as its key: the sorted tuple of its provider indices.

        Parameters
        ----------
        providers : iterable of str or int
            Labels or indices.

        Returns
        -------
        tuple of int
            The indices in file order.
        """
        return resolve_providers(self.instance, providers)

    def garbling(self, providers: Iterable[str | int]) -> Garbling:
        """The common garbling of T (SPEC.md §6), computed once per T.

        Parameters
        ----------
        providers : iterable of str or int
            The set T.

        Returns
        -------
        Garbling
            :func:`solver.conversation.garblings.common_garbling`.
        """
        t = self.providers(providers)
        return self._garblings.get(t, lambda: common_garbling(self.instance, t))

    def benchmark(
        self, user: int, providers: Iterable[str | int], limit: int = DEFAULT_BENCHMARK_LIMIT
    ) -> Benchmark:
        """``Bench_i(T)`` with a T-shared rule attaining it (SPEC.md §6), computed once per (i, T).

        Parameters
        ----------
        user : int
            User i.
        providers : iterable of str or int
            The set T.
        limit : int
            Most deterministic T-shared rules searched.

        Returns
        -------
        Benchmark
            :func:`solver.responses.information.solve_benchmark`.
        """
        t = self.providers(providers)
        return self._benchmarks.get((user, t, limit), lambda: solve_benchmark(self.instance, user, t, limit))

    def optimum(self, user: int, limit: int = DEFAULT_BENCHMARK_LIMIT) -> Fraction:
        """``OPT_i = max_j Bench_i({j})`` (SPEC.md §6), from the remembered benchmarks.

        Parameters
        ----------
        user : int
            User i.
        limit : int
            Most deterministic rules searched per provider.

        Returns
        -------
        Fraction
            The optimum, as :func:`solver.responses.information.optimum` computes it.
        """
        return max(self.benchmark(user, (j,), limit).value for j in range(len(self.instance.providers)))

    def weak_alignment(
        self, user: int, providers: Iterable[str | int], delta: Fraction = ZERO
    ) -> WeakAlignment:
        """Weak Market Alignment of user i with T (SPEC.md §7), computed once per (i, T, δ).

        Parameters
        ----------
        user : int
            User i.
        providers : iterable of str or int
            The set T.
        delta : Fraction
            The δ of the bound term.

        Returns
        -------
        WeakAlignment
            :func:`solver.responses.alignment.weak_alignment`.
        """
        t, d = self.providers(providers), Fraction(delta)
        return self._weak.get((user, t, d), lambda: weak_alignment(self.instance, user, t, d))

    def bound_weights(
        self, user: int, providers: Iterable[str | int], delta: Fraction = ZERO
    ) -> AlignmentBound:
        """C1's weights for user i and T (SPEC.md §8, the support rule), computed once per (i, T, δ).

        Parameters
        ----------
        user : int
            User i.
        providers : iterable of str or int
            The set T.
        delta : Fraction
            δ.

        Returns
        -------
        AlignmentBound
            :func:`solver.responses.alignment.best_bound_weights`.
        """
        t, d = self.providers(providers), Fraction(delta)
        return self._weights.get((user, t, d), lambda: best_bound_weights(self.instance, user, t, d))

    def strong_alignment(self, providers: Iterable[str | int], delta: Fraction = ZERO) -> StrongAlignment:
        """Strong alignment for T and each user's C3 bound term (SPEC.md §7, §8), once per (T, δ).

        Parameters
        ----------
        providers : iterable of str or int
            The set T.
        delta : Fraction
            δ.

        Returns
        -------
        StrongAlignment
            :func:`solver.responses.alignment.strong_alignment`.
        """
        t, d = self.providers(providers), Fraction(delta)
        return self._strong.get((t, d), lambda: strong_alignment(self.instance, t, d))

    # -- games, equilibria, certification (SPEC.md §5, §9) ---------------------------------------------

    def game(
        self,
        mode: Mode,
        strategy_class: StrategyClass,
        *,
        limit: int = DEFAULT_CLASS_LIMIT,
        law_limit: int = DEFAULT_LAW_LIMIT,
    ) -> Game:
        """The personalized or anonymous game over a class (SPEC.md §5), one object per key.

        The game builds its response table once, and a personalized game splits into the same
        one-user games every time, so every engine run on it shares their tables too.

        Parameters
        ----------
        mode : Mode
            Personalized or anonymous.
        strategy_class : StrategyClass
            The finite class.
        limit : int
            The largest class accepted per provider.
        law_limit : int
            The most distinct outcome laws accepted among a user's best responses to one rule.

        Returns
        -------
        Game
            The game.
        """
        return self._games.get(
            (mode, strategy_class, limit, law_limit),
            lambda: Game(self.instance, mode, strategy_class, limit=limit, law_limit=law_limit),
        )

    def equilibria(
        self,
        mode: Mode,
        strategy_class: StrategyClass,
        delta: Fraction = ZERO,
        policy: TiePolicy = TiePolicy.FAVOURABLE,
        *,
        limit: int = DEFAULT_CLASS_LIMIT,
        law_limit: int = DEFAULT_LAW_LIMIT,
        selection_limit: int = DEFAULT_SELECTION_LIMIT,
    ) -> SolveResult:
        """Every δ-equilibrium of a game over its class (SPEC.md §5), enumerated once per key.

        Parameters
        ----------
        mode : Mode
            Personalized or anonymous.
        strategy_class : StrategyClass
            The finite class.
        delta : Fraction
            δ.
        policy : TiePolicy
            Ties when deviations are evaluated.
        limit, law_limit : int
            As in :meth:`game`.
        selection_limit : int
            Most best-response selections examined at one profile.

        Returns
        -------
        SolveResult
            :func:`solver.equilibria.enumeration.solve_equilibria`; a result cut short by Ctrl-C
            (``complete=False``) is returned, not remembered.
        """
        d = Fraction(delta)
        game = self.game(mode, strategy_class, limit=limit, law_limit=law_limit)
        return self._equilibria.get(
            (mode, strategy_class, d, policy, limit, law_limit, selection_limit),
            lambda: solve_equilibria(game, d, policy, selection_limit=selection_limit),
            keep=lambda result: result.complete,
        )

    def certification(
        self,
        mode: Mode,
        strategy_class: StrategyClass,
        delta: Fraction = ZERO,
        policy: TiePolicy = TiePolicy.FAVOURABLE,
        *,
        limit: int = DEFAULT_CLASS_LIMIT,
        law_limit: int = DEFAULT_LAW_LIMIT,
        selection_limit: int = DEFAULT_SELECTION_LIMIT,
        oracle: OracleOptions | None = None,
    ) -> FullResult:
        """Every equilibrium of :meth:`equilibria` certified in ``full`` (SPEC.md §5, §9), once per key.

        Each equilibrium's own certification is remembered as well, so that
        :meth:`certify_equilibrium` does not repeat it.

        Parameters
        ----------
        mode, strategy_class, delta, policy, limit, law_limit, selection_limit
            As in :meth:`equilibria`.
        oracle : OracleOptions, optional
            How the deviation oracle covers the users' choices.

        Returns
        -------
        FullResult
            :func:`solver.certificates.certification.certify_result`; interrupted (Ctrl-C), the
            result is returned, not remembered.
        """
        options = oracle or OracleOptions()
        d = Fraction(delta)
        finite = self.equilibria(
            mode,
            strategy_class,
            d,
            policy,
            limit=limit,
            law_limit=law_limit,
            selection_limit=selection_limit,
        )
        game = self.game(mode, strategy_class, limit=limit, law_limit=law_limit)

        def compute() -> FullResult:
            full = certify_result(game, finite, options)
            slices = {} if mode is Mode.ANONYMOUS else {s.users[0]: s for s in game.split()}
            for c in full.certifications:
                part = slices.get(c.equilibrium.users[0], game)
                self._certified.put((_game_key(part), c.equilibrium, finite.delta, options), c)
            return full

        if not finite.complete:
            # Nothing to certify in full over a list cut short: say so, as ``solve --class full`` does.
            n = len(self.instance.users)
            return FullResult(finite, (), 0, (None,) * n, (None,) * n, False, False)
        return self._certifications.get(
            (mode, strategy_class, d, policy, limit, law_limit, selection_limit, options),
            compute,
            keep=lambda full: full.complete,
        )

    def certify_equilibrium(
        self,
        game: Game,
        equilibrium: Equilibrium,
        delta: Fraction = ZERO,
        oracle: OracleOptions | None = None,
    ) -> FullCertification:
        """One equilibrium checked against every mixed deviation (SPEC.md §5), once per key.

        Parameters
        ----------
        game : Game
            The game it was found in (anonymous, or a personalized one-user game), from
            :meth:`game` or its split.
        equilibrium : Equilibrium
            The equilibrium.
        delta : Fraction
            δ.
        oracle : OracleOptions, optional
            How the deviation oracle covers the users' choices.

        Returns
        -------
        FullCertification
            :func:`solver.certificates.certification.certify_equilibrium`.
        """
        options = oracle or OracleOptions()
        d = Fraction(delta)
        return self._certified.get(
            (_game_key(game), equilibrium, d, options),
            lambda: certify_equilibrium(game, equilibrium, d, options),
        )

    def commitment(self, users: tuple[int, ...], oracle: OracleOptions | None = None) -> DeviationBound:
        """A single provider's optimal commitment towards some users (SPEC.md §5), once per key.

        Parameters
        ----------
        users : tuple of int
            The users the rule is offered to.
        oracle : OracleOptions, optional
            How the oracle covers the users' choices.

        Returns
        -------
        DeviationBound
            :func:`solver.oracle.deviation.solve_commitment`.
        """
        options = oracle or OracleOptions()
        return self._commitments.get(
            (users, options),
            lambda: solve_commitment(
                self.instance, users, options.limit, method=options.method, time_limit=options.time_limit
            ),
        )
