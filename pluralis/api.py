"""The public Python API of pluralis (``import pluralis``).

Six functions, each returning a frozen result labelled by the instance file's own labels (like
pygambit's): providers, users, signals, actions, states and messages are named, never numbered.

- :func:`load` reads an instance file.
- :func:`solve` finds every equilibrium of the personalized or anonymous game over a strategy
  class (SPEC.md §5); with ``cls="full"`` it does what ``pluralis solve --class full`` does: a
  single provider's optimal commitment (:func:`commit`) or, with several providers, the equilibria
  of a finite class certified against every mixed deviation (:func:`certify`).
- :func:`commit` computes a single provider's optimal commitment over all mixed rules (SPEC.md §9).
- :func:`certify` checks the equilibria of a finite-class :class:`Solution` in ``full``.
- :func:`check` checks claims of SPEC.md §8.
- :func:`export_nfg` writes a game as a Gambit strategic-form file.

Every result's ``to_dict()`` is the JSON document that the matching command prints with
``--json`` (README, "JSON output"), headed by ``pluralis_version`` and ``schema``; numbers there are
exact strings, and in the results themselves exact :class:`~fractions.Fraction` values. Bad
arguments raise the errors of :mod:`solver.core.errors` (each also a ``ValueError``) with a message
naming the argument and what it accepts.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pluralis.output import CHECK_SCHEMA, stamped
from solver.conversation.classes import DEFAULT_CLASS_LIMIT, StrategyClass, parse_class
from solver.conversation.protocol import ConversationTree
from solver.conversation.rules import Rule
from solver.core.errors import ModelError, PluralisError
from solver.core.model import Instance
from solver.core.numbers import parse_number
from solver.core.progress import ProgressHook
from solver.core.serialization import load as load_instance
from solver.equilibria import results
from solver.equilibria.enumeration import solve_equilibria
from solver.equilibria.games import Game, Mode
from solver.equilibria.regret import DEFAULT_SELECTION_LIMIT
from solver.equilibria.results import (
    DEFAULT_MAX_LISTED,
    SOLVE_SCHEMA,
    Method,
    SolveResult,
    UserSelection,
    describe_selection,
    find_user_selections,
    relabelling_groups,
    relabelling_key,
    result_to_json,
)
from solver.oracle.problem import DEFAULT_CHOICE_LIMIT, DEFAULT_MIP_TIME_LIMIT, OracleMethod, OracleOptions
from solver.responses.information import DEFAULT_BENCHMARK_LIMIT
from solver.responses.response import DEFAULT_LAW_LIMIT, TiePolicy

if TYPE_CHECKING:
    from pluralis.full import Commitment as FoundCommitment
    from proofs.claim import ClaimResult
    from solver.certificates.certification import CertificationStatus, FullCertification, FullResult
    from solver.oracle.deviation import DeviationStatus

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

PathLike = str | os.PathLike[str]
"""A file name."""


class Labelled(Mapping[K, V]):
    """An immutable mapping keyed by labels, in file order; hashable, equal to a dict of its items.

    Parameters
    ----------
    items : iterable of (key, value)
        The entries, in order; keys are unique.
    """

    __slots__ = ("_index", "_items")

    def __init__(self, items: Iterable[tuple[K, V]] = ()) -> None:
        pairs = tuple(items)
        index = dict(pairs)
        if len(index) != len(pairs):
            raise ModelError("a labelled mapping has each key once")
        object.__setattr__(self, "_items", pairs)
        object.__setattr__(self, "_index", index)

    _items: tuple[tuple[K, V], ...]
    _index: dict[K, V]

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a {type(self).__name__} cannot be changed")

    def __getitem__(self, key: K) -> V:
        return self._index[key]

    def __iter__(self) -> Iterator[K]:
        return (k for k, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k!r}: {v!r}" for k, v in self._items) + "}"


History = tuple[str, ...]
"""A transcript: the labels of the messages spoken so far, in order."""


class Kind(enum.Enum):
    """What a :class:`Solution` holds (the ``kind`` field of the solve document)."""

    FINITE = "finite"
    """Every equilibrium of the game over a finite class (SPEC.md §5)."""
    FULL = "full"
    """The equilibria of a finite class, each certified against every mixed deviation (SPEC.md §9)."""
    COMMITMENT = "commitment"
    """A single provider's optimal commitments over all mixed rules (SPEC.md §9)."""


# -- labelled pieces -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderRule:
    """A provider's rule, by labels: at each signal and provider node, a law over the messages.

    ``rule[signal][history][message]`` is the probability that the provider, seeing ``signal``,
    says ``message`` after the transcript ``history`` (a tuple of message labels; ``()`` for the
    protocol ``[P]``). Messages it never says there are left out.

    Attributes
    ----------
    provider : str
        The provider's label.
    distributions : Labelled
        Signal → history → message → probability.
    description : str
        The rule in one line, as the command line prints it.
    rule : Rule
        The engine's rule (indexed by the provider's signals, nodes and messages in file order).
    """

    provider: str
    distributions: Labelled[str, Labelled[History, Labelled[str, Fraction]]]
    description: str
    rule: Rule = field(repr=False)

    def __getitem__(self, signal: str) -> Labelled[History, Labelled[str, Fraction]]:
        return self.distributions[signal]

    def __str__(self) -> str:
        return self.description

    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        """The rule as every ``--json`` writes it.

        Returns
        -------
        dict
            ``{SIGNAL: [{"history": [...], "distribution": {MESSAGE: "p/q"}}]}``.
        """
        return {
            signal: [
                {"history": list(h), "distribution": {m: str(p) for m, p in d.items()}}
                for h, d in nodes.items()
            ]
            for signal, nodes in self.distributions.items()
        }


def _rule(instance: Instance, provider: int, rule: Rule) -> ProviderRule:
    tree = ConversationTree(instance.protocol)
    messages = instance.protocol.provider_messages
    p = instance.providers[provider]
    return ProviderRule(
        p.label,
        Labelled(
            (
                signal,
                Labelled(
                    (
                        tuple(tree.labels(node)),
                        Labelled((messages[m], q) for m, q in enumerate(d) if q),
                    )
                    for node, d in zip(tree.provider_nodes, row)
                ),
            )
            for signal, row in zip(p.signals, rule.table)
        ),
        rule.describe(p.signals, tree),
        rule,
    )


@dataclass(frozen=True)
class UserResponse:
    """How a user converses with a provider and acts, and the outcome it induces (SPEC.md §3–4).

    Attributes
    ----------
    provider : str
        The provider she uses.
    messages : Labelled
        Feature → history → the message she says there (only when the protocol has user turns),
        at every node of her strategy.
    actions : Labelled
        Feature → history → the action she takes after that complete transcript, at every leaf.
    reach : Labelled
        Feature → history → the probability that she has that feature and gets there, for the
        user nodes and leaves she reaches (the others are off the path of play).
    law : Labelled
        Action → state → ``I_i(a, y)``, her outcome law.
    outcome : Labelled
        Action → its probability.
    payoffs : Labelled
        Provider → its payoff ``λ_{j,i} E_I[U_{j,i}]`` from her outcome.
    description : str
        One line, as the command line prints it.
    """

    provider: str
    messages: Labelled[str, Labelled[History, str]]
    actions: Labelled[str, Labelled[History, str]]
    reach: Labelled[str, Labelled[History, Fraction]]
    law: Labelled[str, Labelled[str, Fraction]]
    outcome: Labelled[str, Fraction]
    payoffs: Labelled[str, Fraction]
    description: str

    def __str__(self) -> str:
        return self.description


def _response(instance: Instance, user: int, selection: UserSelection) -> UserResponse:
    tree = ConversationTree(instance.protocol)
    u = instance.users[user]

    def by_feature(pairs: Iterable[tuple[tuple[int, Any], V]]) -> Labelled[str, Labelled[History, V]]:
        grouped: dict[int, list[tuple[History, V]]] = {}
        for (x, h), value in pairs:
            grouped.setdefault(x, []).append((tuple(tree.labels(h)), value))
        return Labelled((u.features[x], Labelled(entries)) for x, entries in sorted(grouped.items()))

    said = [(node, instance.protocol.user_messages[m]) for node, m in selection.strategy.messages]
    done = [(node, u.actions[a]) for node, a in selection.strategy.actions]
    return UserResponse(
        instance.providers[selection.provider].label,
        by_feature(said),
        by_feature(done),
        by_feature((node, p) for node, p in selection.reach if p),
        Labelled((a, Labelled(zip(instance.states, row))) for a, row in zip(u.actions, selection.law)),
        Labelled(zip(u.actions, selection.outcome)),
        Labelled((p.label, v) for p, v in zip(instance.providers, selection.payoffs)),
        describe_selection(instance, user, selection),
    )


@dataclass(frozen=True)
class UserOutcome:
    """A user's side of an equilibrium or commitment.

    Attributes
    ----------
    user : str
        Her label.
    utility : Fraction
        Her utility (the same under every best response).
    provider : str
        The first provider she may use, in file order.
    providers : tuple of str
        Every provider she uses in some admissible best-response selection.
    responses : tuple of UserResponse
        Each admissible selection of hers, played out: her provider, what she says and does, her
        outcome law.
    """

    user: str
    utility: Fraction
    provider: str
    providers: tuple[str, ...]
    responses: tuple[UserResponse, ...]


def _outcome(
    instance: Instance, rules: Sequence[Rule], outcome: results.UserOutcome, law_limit: int
) -> UserOutcome:
    selections = find_user_selections(instance, rules, outcome, law_limit)
    providers = tuple(instance.providers[j].label for j in outcome.providers)
    return UserOutcome(
        instance.users[outcome.user].label,
        outcome.utility,
        providers[0],
        providers,
        tuple(_response(instance, outcome.user, s) for s in selections),
    )


@dataclass(frozen=True)
class Certification:
    """An equilibrium of a finite class checked against every mixed deviation (SPEC.md §9).

    Attributes
    ----------
    survives : bool
        Whether some admissible selection pays every provider its supremum deviation minus δ.
    certified : bool
        Whether every bound is certified exactly, so that ``survives`` is exact.
    status : CertificationStatus
        Certified, refuted, surviving the MIP candidates only, or not certified (its ``value`` is
        the text of the command line).
    bounds : Labelled
        Provider → its supremum deviation payoff (at the selection reported).
    bound_status : Labelled
        Provider → how far its bound is certified (a ``DeviationStatus``).
    estimates : Labelled
        Provider → the MIP solver's floating-point estimate, for bounds that are MIP candidates.
    """

    survives: bool
    certified: bool
    status: CertificationStatus
    bounds: Labelled[str, Fraction]
    bound_status: Labelled[str, DeviationStatus]
    estimates: Labelled[str, Fraction]


def _certification(instance: Instance, c: FullCertification) -> Certification:
    label = [p.label for p in instance.providers]
    return Certification(
        c.survives,
        c.certified,
        c.status,
        Labelled((label[b.provider], b.value) for b in c.bounds),
        Labelled((label[b.provider], b.status) for b in c.bounds),
        Labelled((label[b.provider], b.estimate) for b in c.bounds if b.estimate is not None),
    )


@dataclass(frozen=True)
class Equilibrium:
    """An equilibrium (σ, b), by labels (SPEC.md §5).

    Attributes
    ----------
    number : int
        Its number in the solution, from 1 (the ``#`` column, and ``equilibrium-K.yaml``).
    group : int
        Its group of renamings: equilibria that differ only by a renaming of the provider
        messages share one.
    users : tuple of str
        The users the profile is played over (every user, or one in a personalized game's slice).
    slice : str or None
        The user of a personalized game's slice, when the game has several users.
    profile : Labelled
        Provider → its rule (:class:`ProviderRule`).
    outcomes : Labelled
        User → her side (:class:`UserOutcome`).
    payoffs : Labelled
        Provider → its lowest and highest payoff over the admissible selections b.
    deviations : Labelled
        Provider → its best deviation payoff in the class, lowest and highest over the admissible b.
    canonical_selection_admissible : bool
        Whether the canonical selection (SPEC.md §4) is admissible.
    certification : Certification or None
        In ``full``: how it fares against every mixed deviation.
    """

    number: int
    group: int
    users: tuple[str, ...]
    slice: str | None
    profile: Labelled[str, ProviderRule]
    outcomes: Labelled[str, UserOutcome]
    payoffs: Labelled[str, tuple[Fraction, Fraction]]
    deviations: Labelled[str, tuple[Fraction, Fraction]]
    canonical_selection_admissible: bool
    certification: Certification | None = None


def _equilibrium(
    instance: Instance,
    e: results.Equilibrium,
    number: int,
    group: int,
    law_limit: int,
    certification: Certification | None = None,
) -> Equilibrium:
    providers = [p.label for p in instance.providers]
    users = tuple(instance.users[i].label for i in e.users)
    return Equilibrium(
        number,
        group,
        users,
        users[0] if len(e.users) == 1 and len(instance.users) > 1 else None,
        Labelled((providers[j], _rule(instance, j, r)) for j, r in enumerate(e.rules)),
        Labelled(
            (instance.users[o.user].label, _outcome(instance, e.rules, o, law_limit)) for o in e.outcomes
        ),
        Labelled(zip(providers, e.payoffs)),
        Labelled(zip(providers, e.deviations)),
        e.canonical,
        certification,
    )


@dataclass(frozen=True)
class Group:
    """Equilibria that differ only by a renaming of the provider messages.

    Attributes
    ----------
    group : int
        Its number, from 1, in order of first appearance.
    equilibria : tuple of int
        The numbers of its equilibria, in order; the first is the one a grouped table shows.
    """

    group: int
    equilibria: tuple[int, ...]

    @property
    def size(self) -> int:
        """How many equilibria it holds."""
        return len(self.equilibria)

    @property
    def representative(self) -> int:
        """The number of its first equilibrium."""
        return self.equilibria[0]


@dataclass(frozen=True)
class Commitment:
    """A single provider's optimal commitment over all mixed rules, towards some users (SPEC.md §9).

    Attributes
    ----------
    provider : str
        The provider.
    users : tuple of str
        The users the rule is offered to (all in the anonymous game, one in the personalized game).
    payoff : Fraction
        Its optimal payoff (a certified candidate only when ``certified`` is False).
    rule : ProviderRule
        A rule attaining it.
    outcomes : Labelled
        User → her side: her optimal response best for the provider, and its outcome law.
    certified : bool
        Whether ``payoff`` is the certified exact optimum.
    status : DeviationStatus
        Certified exact, a certified candidate (not certified optimal), or not certified.
    estimate : Fraction or None
        The MIP solver's floating-point estimate, when a MIP gave the candidate.
    """

    provider: str
    users: tuple[str, ...]
    payoff: Fraction
    rule: ProviderRule
    outcomes: Labelled[str, UserOutcome]
    certified: bool
    status: DeviationStatus
    estimate: Fraction | None


HINT_PROFILE_LIMIT = 5_000
"""Equilibria are counted under the other tie policies only for games with at most this many profiles."""


@dataclass(frozen=True)
class TieHint:
    """How many equilibria a game without one under deviator-favourable ties has under the others.

    Attributes
    ----------
    profiles : int
        The game's profiles (summed over the users' games in the personalized game).
    counts : Labelled or None
        Tie policy to the number of equilibrium profiles; None when the game was too large to count
        cheaply.
    limit : int
        The most profiles counted.
    """

    profiles: int
    counts: Labelled[TiePolicy, int] | None
    limit: int = HINT_PROFILE_LIMIT

    def to_json(self) -> dict[str, Any]:
        """``{"profiles": N, "counts": {POLICY: N} or null}``."""
        counts = None if self.counts is None else {p.value: n for p, n in self.counts.items()}
        return {"profiles": self.profiles, "counts": counts}

    def describe(self) -> str:
        """One line for the terminal."""
        text = (
            f"no equilibrium with {TiePolicy.FAVOURABLE.value} ties, the default for deviations (SPEC §4); "
        )
        if self.counts is None:
            return text + (
                f"not counted under other ties ({self.profiles:,} profiles, above {self.limit:,}): "
                "try --tie-policy canonical or adversarial"
            )
        counts = ", ".join(f"{n} with {p.value} ties" for p, n in self.counts.items())
        return text + f"equilibrium profiles: {counts} (--tie-policy)"


def count_under_other_ties(
    game: Game,
    delta: Fraction,
    selection_limit: int = DEFAULT_SELECTION_LIMIT,
    profile_limit: int = HINT_PROFILE_LIMIT,
) -> TieHint:
    """Count a game's equilibria with canonical and with adversarial ties, when that is cheap.

    Parameters
    ----------
    game : Game
        The game.
    delta : Fraction
        δ.
    selection_limit : int
        The selection limit.
    profile_limit : int
        The most profiles counted.

    Returns
    -------
    TieHint
        The counts, or none when the game has more than ``profile_limit`` profiles or a limit
        refuses it.
    """
    users = len(game.users) if game.mode is Mode.PERSONALIZED else 1
    profiles = game.profile_count() * users
    if profiles > profile_limit:
        return TieHint(profiles, None, profile_limit)
    counts: dict[TiePolicy, int] = {}
    try:
        for policy in (TiePolicy.CANONICAL, TiePolicy.ADVERSARIAL):
            result = solve_equilibria(game, delta, policy, selection_limit=selection_limit)
            if not result.complete:
                raise KeyboardInterrupt
            counts[policy] = result.count
    except PluralisError:
        return TieHint(profiles, None, profile_limit)
    return TieHint(profiles, Labelled(counts.items()), profile_limit)


def solve_finite(
    game: Game,
    method: Method,
    delta: Fraction,
    policy: TiePolicy,
    selection_limit: int = DEFAULT_SELECTION_LIMIT,
    progress: ProgressHook | None = None,
) -> SolveResult:
    """Every equilibrium of a game over its finite class, by one of the two engines (SPEC.md §9).

    Parameters
    ----------
    game : Game
        The game.
    method : Method
        Enumeration, or the mixed-integer program (every candidate re-checked exactly); above
        :data:`solver.equilibria.mip_extremes.LISTING_PROFILE_LIMIT` profiles the MIP gives
        existence and each user's worst and best equilibrium only, with the equilibria attaining
        them (:meth:`~solver.equilibria.mip_extremes.EquilibriumExtremes.to_solve_result`).
    delta : Fraction
        δ.
    policy : TiePolicy
        Ties when deviations are evaluated.
    selection_limit : int
        The largest frontier of the users' tie selections kept at once.
    progress : ProgressHook, optional
        Called now and then by the enumeration.

    Returns
    -------
    SolveResult
        The equilibria.
    """
    if method is Method.MIP:
        from solver.equilibria.mip import solve_equilibria_mip
        from solver.equilibria.mip_extremes import LISTING_PROFILE_LIMIT, find_equilibrium_extremes

        if game.profile_count() > LISTING_PROFILE_LIMIT:
            # Too many profiles to list every equilibrium: existence and each user's extremes only.
            extremes = find_equilibrium_extremes(game, delta, policy, selection_limit=selection_limit)
            return extremes.to_solve_result()
        found: SolveResult = solve_equilibria_mip(game, delta, policy, selection_limit=selection_limit)
        return found
    return solve_equilibria(game, delta, policy, progress=progress, selection_limit=selection_limit)


# -- the solution --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    """What a :class:`Solution` was computed from (the engine's results)."""

    instance: Instance
    game: Game | None = None
    finite: SolveResult | None = None
    full: FullResult | None = None
    commitments: tuple[FoundCommitment, ...] = ()
    oracle: OracleOptions | None = None
    hint: TieHint | None = None
    law_limit: int = DEFAULT_LAW_LIMIT


@dataclass(frozen=True)
class Solution:
    """The result of :func:`solve`, :func:`certify` or :func:`commit`, by labels.

    Attributes
    ----------
    kind : Kind
        Finite-class equilibria, equilibria certified in ``full``, or a single provider's
        commitments.
    mode : Mode
        Personalized or anonymous.
    strategy_class : str
        The class, as written on the command line (``deterministic``, ``grid:3``, ``full``).
    searched_class : str or None
        In ``full`` with several providers: the finite class whose equilibria were certified.
    tie_policy : TiePolicy
        How users break ties when a deviation is evaluated (SPEC.md §4).
    delta : Fraction or None
        δ of δ-equilibrium (None for commitments, where it plays no part).
    method : Method or None
        The engine that searched the finite class (None for commitments).
    oracle : OracleMethod or None
        In ``full``: how the deviation oracle covered the users' choices.
    exact : bool
        Whether every number and the completeness of the list are established exactly.
    status : str or None
        In ``full``: how far the result is certified, in words.
    complete : bool
        False when interrupted: the lists hold what was finished.
    count : int or None
        The number of equilibrium profiles of the whole game (surviving in ``full``); None for
        commitments.
    finite_count, checked : int or None
        In ``full``: the equilibria of the finite class, and how many of them were checked.
    finite_complete : bool or None
        In ``full``: whether the search of the finite class finished.
    providers, users : tuple of str
        The labels, in file order.
    worst, best : Labelled
        User → her lowest and highest utility over the equilibria (None when there is none); for
        commitments, her utility under the commitment towards her.
    notes : tuple of str
        Warnings.
    other_tie_policies : TieHint or None
        When a finite game has no equilibrium with deviator-favourable ties: how many the other
        policies give.
    """

    kind: Kind
    mode: Mode
    strategy_class: str
    searched_class: str | None
    tie_policy: TiePolicy
    delta: Fraction | None
    method: Method | None
    oracle: OracleMethod | None
    exact: bool
    status: str | None
    complete: bool
    count: int | None
    finite_count: int | None
    checked: int | None
    finite_complete: bool | None
    providers: tuple[str, ...]
    users: tuple[str, ...]
    worst: Labelled[str, Fraction | None]
    best: Labelled[str, Fraction | None]
    notes: tuple[str, ...]
    other_tie_policies: TieHint | None
    _source: _Source = field(repr=False, compare=False)

    @cached_property
    def _equilibria(self) -> tuple[tuple[results.Equilibrium, Certification | None], ...]:
        source = self._source
        if source.full is not None:
            return tuple(
                (c.equilibrium, _certification(source.instance, c)) for c in source.full.certifications
            )
        if source.finite is not None:
            return tuple((e, None) for e in source.finite.equilibria)
        return ()

    @cached_property
    def _groups(self) -> tuple[int, ...]:
        source = self._source
        if source.full is not None:
            from pluralis.full import full_groups

            return full_groups(source.instance, source.full)
        return relabelling_groups([relabelling_key(source.instance, e) for e, _ in self._equilibria])

    @cached_property
    def equilibria(self) -> tuple[Equilibrium, ...]:
        """Every equilibrium, in order (personalized game: each user's game's, user by user)."""
        source = self._source
        return tuple(
            _equilibrium(source.instance, e, k + 1, g, source.law_limit, c)
            for k, ((e, c), g) in enumerate(zip(self._equilibria, self._groups))
        )

    @cached_property
    def groups(self) -> tuple[Group, ...]:
        """The groups of renamings of the provider messages, in order of first appearance."""
        members: dict[int, list[int]] = {}
        for k, g in enumerate(self._groups):
            members.setdefault(g, []).append(k + 1)
        return tuple(Group(g, tuple(numbers)) for g, numbers in members.items())

    @cached_property
    def commitments(self) -> tuple[Commitment, ...]:
        """A single provider's optimal commitments, in order (empty unless ``kind`` is COMMITMENT)."""
        source = self._source
        instance = source.instance
        found = []
        for c in source.commitments:
            rules = (c.bound.rule,)
            found.append(
                Commitment(
                    instance.providers[0].label,
                    tuple(instance.users[i].label for i in c.users),
                    c.bound.value,
                    _rule(instance, 0, c.bound.rule),
                    Labelled(
                        (instance.users[o.user].label, _outcome(instance, rules, o, source.law_limit))
                        for o in c.outcomes
                    ),
                    c.bound.certified,
                    c.bound.status,
                    c.bound.estimate,
                )
            )
        return tuple(found)

    def to_dict(self, max_equilibria: int | None = DEFAULT_MAX_LISTED) -> dict[str, Any]:
        """The JSON document of ``pluralis solve --json`` for this solution (schema ``pluralis.solve/1``).

        Parameters
        ----------
        max_equilibria : int, optional
            The most equilibria listed (``--max-output-equilibria``; all when None).

        Returns
        -------
        dict
            The document, headed by ``pluralis_version`` and ``schema``, numbers as exact strings.
            No certificate files are written from the API, so ``certificates`` is empty.
        """
        source = self._source
        instance = source.instance
        if self.kind is Kind.FINITE:
            assert source.finite is not None
            hint = None if source.hint is None else source.hint.to_json()
            document = result_to_json(instance, source.finite, max_equilibria, hint, source.law_limit)
        elif self.kind is Kind.FULL:
            from pluralis.full import full_to_json

            assert source.full is not None and source.oracle is not None
            document = full_to_json(
                instance,
                source.full,
                self.searched_class or "",
                source.oracle,
                max_equilibria,
                law_limit=source.law_limit,
            )
        else:
            from pluralis.full import commitments_to_json

            assert source.oracle is not None
            document = commitments_to_json(
                instance,
                self.mode,
                source.commitments,
                source.oracle,
                self.complete,
                law_limit=source.law_limit,
            )
        return stamped(document, SOLVE_SCHEMA)


def _extremes(instance: Instance, values: Sequence[Fraction | None]) -> Labelled[str, Fraction | None]:
    return Labelled(zip((u.label for u in instance.users), values))


def _finite_solution(game: Game, found: SolveResult, hint: TieHint | None, law_limit: int) -> Solution:
    instance = game.instance
    return Solution(
        Kind.FINITE,
        found.mode,
        found.strategy_class.name,
        None,
        found.policy,
        found.delta,
        found.method,
        None,
        found.exact,
        None,
        found.complete,
        found.count,
        None,
        None,
        None,
        tuple(p.label for p in instance.providers),
        tuple(u.label for u in instance.users),
        _extremes(instance, found.worst),
        _extremes(instance, found.best),
        found.notes,
        hint,
        _Source(instance, game, finite=found, hint=hint, law_limit=law_limit),
    )


# -- reading arguments ------------------------------------------------------------------------------------


def _instance(game: Instance | Game | PathLike, name: str = "game") -> Instance:
    if isinstance(game, Instance):
        return game
    if isinstance(game, Game):
        return game.instance
    if isinstance(game, (str, os.PathLike)):
        return load(game)
    raise ModelError(
        f"{name}: expected an Instance, a Game or the path of an instance file, got {type(game).__name__}"
    )


def _mode(mode: Mode | str, name: str = "mode") -> Mode:
    if isinstance(mode, Mode):
        return mode
    try:
        return Mode(mode)
    except ValueError:
        raise ModelError(
            f"{name}: unknown game {mode!r}; use {' or '.join(repr(m.value) for m in Mode)}"
        ) from None


_TIE_NAMES = {"favourable": TiePolicy.FAVOURABLE, **{p.value: p for p in TiePolicy}}


def _policy(ties: TiePolicy | str) -> TiePolicy:
    if isinstance(ties, TiePolicy):
        return ties
    if isinstance(ties, str) and ties in _TIE_NAMES:
        return _TIE_NAMES[ties]
    raise ModelError(f"ties: unknown tie policy {ties!r}; use {', '.join(repr(t) for t in _TIE_NAMES)}")


def _method(engine: Method | str) -> Method:
    if isinstance(engine, Method):
        return engine
    try:
        return Method(engine)
    except ValueError:
        raise ModelError(
            f"engine: unknown engine {engine!r}; use {' or '.join(repr(m.value) for m in Method)}"
        ) from None


def _delta(delta: Fraction | int | str) -> Fraction:
    value = parse_number(delta, "delta")
    if value < 0:
        raise ModelError(f"delta: δ must be non-negative, got {value}")
    return value


def _count(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ModelError(f"{name}: expected a non-negative integer, got {value!r}")
    return value


def _class(cls: StrategyClass | str, instance: Instance) -> StrategyClass:
    if isinstance(cls, StrategyClass):
        return cls
    if not isinstance(cls, str):
        raise ModelError(f"cls: expected a class name such as 'grid:3' or a StrategyClass, got {cls!r}")
    return parse_class(cls, instance)


def _oracle(oracle: OracleMethod | str, choice_limit: int, time_limit: float | None) -> OracleOptions:
    method = oracle if isinstance(oracle, OracleMethod) else OracleMethod(oracle)
    if time_limit is not None and (isinstance(time_limit, bool) or not isinstance(time_limit, (int, float))):
        raise ModelError(f"oracle_time_limit: expected a number of seconds, got {time_limit!r}")
    return OracleOptions(_count(choice_limit, "choice_limit"), method, time_limit)


def _user_indices(instance: Instance, users: Iterable[str] | str | None) -> tuple[int, ...] | None:
    if users is None:
        return None
    labels = [users] if isinstance(users, str) else list(users)
    index = {u.label: i for i, u in enumerate(instance.users)}
    unknown = [label for label in labels if label not in index]
    if unknown:
        known = ", ".join(repr(u.label) for u in instance.users)
        raise ModelError(f"users: unknown user {unknown[0]!r}; the users are {known}")
    return tuple(index[label] for label in labels)


# -- the functions ----------------------------------------------------------------------------------------


def load(path: PathLike) -> Instance:
    """Read an instance file (YAML or JSON, SPEC.md §11).

    Parameters
    ----------
    path : str or path-like
        The file.

    Returns
    -------
    Instance
        The frozen, validated instance.

    Raises
    ------
    InstanceError
        When the file breaks a rule of SPEC.md §11 (the message names the place and the remedy).
    """
    return load_instance(Path(path))


def solve(
    game: Instance | Game | PathLike,
    mode: Mode | str | None = None,
    cls: StrategyClass | str | None = None,
    delta: Fraction | int | str = 0,
    ties: TiePolicy | str = TiePolicy.FAVOURABLE,
    engine: Method | str = Method.ENUMERATE,
    *,
    source: StrategyClass | str = "deterministic",
    oracle: OracleMethod | str = OracleMethod.AUTO,
    class_limit: int = DEFAULT_CLASS_LIMIT,
    selection_limit: int = DEFAULT_SELECTION_LIMIT,
    law_limit: int = DEFAULT_LAW_LIMIT,
    choice_limit: int = DEFAULT_CHOICE_LIMIT,
    oracle_time_limit: float | None = DEFAULT_MIP_TIME_LIMIT,
) -> Solution:
    """Every equilibrium of a game over a strategy class, exactly (``pluralis solve``, SPEC.md §5).

    Parameters
    ----------
    game : Instance, Game or path
        The instance (or its file), or a :class:`~solver.equilibria.games.Game`, which fixes the
        mode, the class and its limits.
    mode : {"anonymous", "personalized"} or Mode, optional
        The game (default: anonymous, or the Game's).
    cls : str or StrategyClass, optional
        ``deterministic`` (default), ``grid:Q``, ``shared:P1,P2``, or ``full``: with one provider,
        its optimal commitment (:func:`commit`); with several, the equilibria of ``source``
        certified against every mixed deviation (:func:`certify`).
    delta : Fraction, int or str
        δ of δ-equilibrium, exact (``"1/10"``; a float is refused).
    ties : {"deviator-favourable", "favourable", "canonical", "adversarial"} or TiePolicy
        How users break ties when a deviation is evaluated (SPEC.md §4).
    engine : {"enumerate", "mip"} or Method
        The engine for a finite class.
    source : str or StrategyClass
        With ``cls="full"`` and several providers: the finite class searched (``--from``).
    oracle : {"auto", "exhaustive", "mip"} or OracleMethod
        With ``cls="full"``: how the deviation oracle covers the users' choices.
    class_limit, selection_limit, law_limit, choice_limit : int
        The limits of the command line's ``--class-limit``, ``--selection-limit``,
        ``--law-limit`` and ``--choice-limit``.
    oracle_time_limit : float or None
        With ``cls="full"``: seconds the MIP solver may spend on one deviation.

    Returns
    -------
    Solution
        The equilibria, labelled; ``to_dict()`` is ``pluralis solve --json``'s document.

    Raises
    ------
    ModelError
        For an argument the game does not accept (the message names it).
    ClassTooLargeError
        When a limit refuses the computation.
    """
    instance = _instance(game)
    given = game if isinstance(game, Game) else None
    if given is not None and cls == "full":
        raise ModelError("cls: a Game is over a finite class; pass its instance to solve it in full")
    if given is not None:
        if mode is not None and _mode(mode) is not given.mode:
            raise ModelError(f"mode: the Game given is the {given.mode.value} game; omit mode")
        if cls is not None and _class(cls, instance) != given.strategy_class:
            raise ModelError(f"cls: the Game given is over {given.strategy_class.name}; omit cls")
    chosen_mode = _mode(mode) if mode is not None else (given.mode if given else Mode.ANONYMOUS)
    policy = _policy(ties)
    delta_value = _delta(delta)
    method = _method(engine)
    limits = {
        name: _count(value, name)
        for name, value in (
            ("class_limit", class_limit),
            ("selection_limit", selection_limit),
            ("law_limit", law_limit),
        )
    }
    if cls == "full":
        if policy is not TiePolicy.FAVOURABLE:
            raise ModelError("ties: the class full certifies deviations with deviator-favourable ties only")
        if len(instance.providers) == 1:
            if delta_value:
                raise ModelError("delta: δ plays no part in a single provider's optimal commitment")
            return commit(
                instance,
                chosen_mode,
                oracle=oracle,
                choice_limit=choice_limit,
                oracle_time_limit=oracle_time_limit,
                law_limit=law_limit,
            )
        finite = solve(
            instance,
            chosen_mode,
            source,
            delta_value,
            policy,
            method,
            class_limit=class_limit,
            selection_limit=selection_limit,
            law_limit=law_limit,
        )
        return certify(finite, oracle=oracle, choice_limit=choice_limit, oracle_time_limit=oracle_time_limit)
    if given is not None:
        played = given
    else:
        strategy_class = _class("deterministic" if cls is None else cls, instance)
        played = Game(
            instance, chosen_mode, strategy_class, limit=limits["class_limit"], law_limit=limits["law_limit"]
        )
    found = solve_finite(played, method, delta_value, policy, limits["selection_limit"])
    hint = None
    if found.count == 0 and found.complete and policy is TiePolicy.FAVOURABLE:
        hint = count_under_other_ties(played, delta_value, limits["selection_limit"])
    return _finite_solution(played, found, hint, limits["law_limit"])


def certify(
    solution: Solution,
    *,
    oracle: OracleMethod | str = OracleMethod.AUTO,
    choice_limit: int = DEFAULT_CHOICE_LIMIT,
    oracle_time_limit: float | None = DEFAULT_MIP_TIME_LIMIT,
) -> Solution:
    """Check every equilibrium of a finite-class solution against every mixed deviation (SPEC.md §9).

    This is ``pluralis solve --class full --from CLASS`` with several providers: each provider's
    supremum over all mixed rules is computed by the deviation oracle, and an equilibrium survives
    in ``full`` when some admissible selection pays every provider at least that minus δ.

    Parameters
    ----------
    solution : Solution
        A complete finite-class solution (:func:`solve`) of a game with several providers, found
        with deviator-favourable ties.
    oracle : {"auto", "exhaustive", "mip"} or OracleMethod
        ``exhaustive``: every combination of the users' choices (exact); ``mip``: a certified
        candidate; ``auto``: exhaustive up to ``choice_limit`` combinations, the MIP above.
    choice_limit : int
        The most combinations of the users' choices solved one by one.
    oracle_time_limit : float or None
        Seconds the MIP solver may spend on one deviation.

    Returns
    -------
    Solution
        Of kind ``full``; each equilibrium carries its :class:`Certification`.

    Raises
    ------
    ModelError
        For a solution that is not a complete finite-class one with several providers and
        deviator-favourable ties.
    """
    if not isinstance(solution, Solution) or solution.kind is not Kind.FINITE:
        raise ModelError("solution: certify takes a finite-class Solution of solve()")
    source = solution._source
    assert source.finite is not None and source.game is not None
    instance = source.instance
    if len(instance.providers) == 1:
        raise ModelError(
            "solution: with a single provider the equilibria of full are its optimal commitments; "
            "use commit()"
        )
    if solution.tie_policy is not TiePolicy.FAVOURABLE:
        raise ModelError("solution: the class full certifies deviations with deviator-favourable ties only")
    if not solution.complete:
        raise ModelError("solution: the search was interrupted; certify a complete solution")
    from solver.certificates.certification import certify_result

    options = _oracle(oracle, choice_limit, oracle_time_limit)
    full = certify_result(source.game, source.finite, options)
    return Solution(
        Kind.FULL,
        solution.mode,
        "full",
        solution.strategy_class,
        TiePolicy.FAVOURABLE,
        full.finite.delta,
        full.finite.method,
        options.method,
        full.certified and full.finite.exact,
        full.describe(),
        full.complete,
        full.count,
        full.finite.count,
        len(full.certifications),
        full.finite.complete,
        solution.providers,
        solution.users,
        _extremes(instance, full.worst),
        _extremes(instance, full.best),
        full.finite.notes,
        None,
        _Source(instance, source.game, full.finite, full, oracle=options, law_limit=source.law_limit),
    )


def commit(
    instance: Instance | PathLike,
    mode: Mode | str = Mode.ANONYMOUS,
    users: Iterable[str] | str | None = None,
    *,
    oracle: OracleMethod | str = OracleMethod.AUTO,
    choice_limit: int = DEFAULT_CHOICE_LIMIT,
    oracle_time_limit: float | None = DEFAULT_MIP_TIME_LIMIT,
    law_limit: int = DEFAULT_LAW_LIMIT,
) -> Solution:
    """A single provider's optimal commitment over all mixed rules (SPEC.md §9).

    This is ``pluralis solve --class full`` on a game with one provider: the best mixed rule for
    the provider when each user answers it optimally, ties broken in its favour (the persuasion
    optimum).

    Parameters
    ----------
    instance : Instance or path
        A game with one provider.
    mode : {"anonymous", "personalized"} or Mode
        Anonymous: one rule for every user. Personalized: one rule per user.
    users : str or iterable of str, optional
        In the personalized game, the users to commit towards (default: all).
    oracle : {"auto", "exhaustive", "mip"} or OracleMethod
        How the oracle covers the users' choices.
    choice_limit : int
        The most combinations of the users' choices solved one by one.
    oracle_time_limit : float or None
        Seconds the MIP solver may spend.
    law_limit : int
        The most combinations of a user's optimal choices tried to play out her response.

    Returns
    -------
    Solution
        Of kind ``commitment``; :attr:`Solution.commitments` holds one commitment per users' group.

    Raises
    ------
    ModelError
        For a game with several providers, an unknown user, or users in the anonymous game.
    """
    from pluralis.full import find_commitments

    game = _instance(instance, "instance")
    chosen_mode = _mode(mode)
    if len(game.providers) != 1:
        raise ModelError(
            f"instance: commit() is for a single provider; this game has {len(game.providers)}: "
            "use solve() and certify()"
        )
    indices = _user_indices(game, users)
    if indices is not None and chosen_mode is Mode.ANONYMOUS:
        raise ModelError("users: the anonymous game's commitment is one rule for every user; omit users")
    options = _oracle(oracle, choice_limit, oracle_time_limit)
    found, interrupted = find_commitments(game, chosen_mode, options, indices)
    utilities: dict[str, Fraction | None] = {u.label: None for u in game.users}
    for c in found:
        for o in c.outcomes:
            utilities[game.users[o.user].label] = o.utility
    extremes = Labelled(utilities.items())
    return Solution(
        Kind.COMMITMENT,
        chosen_mode,
        "full",
        None,
        TiePolicy.FAVOURABLE,
        None,
        None,
        options.method,
        all(c.bound.certified for c in found),
        None,
        not interrupted,
        None,
        None,
        None,
        None,
        tuple(p.label for p in game.providers),
        tuple(u.label for u in game.users),
        extremes,
        extremes,
        (),
        None,
        _Source(game, commitments=tuple(found), oracle=options, law_limit=_count(law_limit, "law_limit")),
    )


@dataclass(frozen=True)
class CheckResult:
    """The verdicts of :func:`check`: one per claim (SPEC.md §8).

    Attributes
    ----------
    claims : Labelled
        Claim id → its :class:`~proofs.claim.ClaimResult` (verdict, setting, rows per user and
        set T, reasons, witness, finding).
    """

    claims: Labelled[str, ClaimResult]

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``pluralis check --json`` (schema ``pluralis.check/1``)."""
        from proofs.check import results_to_json

        return stamped(results_to_json(self.claims), CHECK_SCHEMA)


def check(
    instance: Instance | PathLike,
    claim: str | Iterable[str] | None = None,
    *,
    mode: Mode | str | None = None,
    cls: StrategyClass | str = "deterministic",
    delta: Fraction | int | str = 0,
    ties: TiePolicy | str = TiePolicy.FAVOURABLE,
    full: bool = False,
    class_limit: int = DEFAULT_CLASS_LIMIT,
    selection_limit: int = DEFAULT_SELECTION_LIMIT,
    choice_limit: int = DEFAULT_CHOICE_LIMIT,
    law_limit: int = DEFAULT_LAW_LIMIT,
    benchmark_limit: int = DEFAULT_BENCHMARK_LIMIT,
) -> CheckResult:
    """Check claims of SPEC.md §8 on an instance (``pluralis check``).

    Parameters
    ----------
    instance : Instance or path
        The game.
    claim : str or iterable of str, optional
        Claim ids (``"C1"`` … ``"C7"``); default all.
    mode : {"anonymous", "personalized"} or Mode, optional
        Only the claims about this game.
    cls : str or StrategyClass
        The finite class of the equilibria quantified over (``deterministic`` or ``grid:Q``).
    delta : Fraction, int or str
        δ, exact.
    ties : TiePolicy or str
        Ties when deviations are evaluated.
    full : bool
        Quantify only over equilibria certified against every mixed deviation.
    class_limit, selection_limit, choice_limit, law_limit, benchmark_limit : int
        The limits of the command line's options of the same names.

    Returns
    -------
    CheckResult
        The verdicts; ``to_dict()`` is ``pluralis check --json``'s document.

    Raises
    ------
    ModelError
        For an unknown claim or an argument the check does not accept.
    """
    from proofs.check import check_claims
    from proofs.claim import CheckOptions

    game = _instance(instance, "instance")
    policy = _policy(ties)
    if full and policy is not TiePolicy.FAVOURABLE:
        raise ModelError("ties: full certifies deviations with deviator-favourable ties only")
    if not isinstance(full, bool):
        raise ModelError(f"full: expected True or False, got {full!r}")
    ids = [claim] if isinstance(claim, str) else None if claim is None else list(claim)
    if ids is not None and not all(isinstance(i, str) for i in ids):
        raise ModelError(f"claim: expected claim ids such as 'C1', got {claim!r}")
    options = CheckOptions(
        strategy_class=_class(cls, game),
        delta=_delta(delta),
        policy=policy,
        full=full,
        limit=_count(class_limit, "class_limit"),
        selection_limit=_count(selection_limit, "selection_limit"),
        choice_limit=_count(choice_limit, "choice_limit"),
        law_limit=_count(law_limit, "law_limit"),
        benchmark_limit=_count(benchmark_limit, "benchmark_limit"),
    )
    found = check_claims(game, ids, options, None if mode is None else _mode(mode))
    return CheckResult(Labelled(found.items()))


@dataclass(frozen=True)
class NormalForm:
    """A game exported to Gambit's strategic-form format (``.nfg``), by labels.

    Attributes
    ----------
    text : str
        The file's text (``NFG 1 R``, exact payoffs under canonical ties, SPEC.md §4).
    mode : Mode
        Personalized (one user's game) or anonymous.
    strategy_class : str
        The class whose rules are the strategies.
    user : str or None
        The user of a personalized game's slice.
    strategies : Labelled
        Provider → Gambit strategy label (``r0``, ``r1``, …) → its rule.
    """

    text: str
    mode: Mode
    strategy_class: str
    user: str | None
    strategies: Labelled[str, Labelled[str, ProviderRule]]

    def __str__(self) -> str:
        return self.text

    def write(self, path: PathLike) -> None:
        """Write the file's text, in UTF-8.

        Parameters
        ----------
        path : str or path-like
            Where to write the ``.nfg`` file.
        """
        Path(path).write_text(self.text, encoding="utf-8", newline="\n")


def export_nfg(
    game: Instance | Game | PathLike,
    mode: Mode | str | None = None,
    cls: StrategyClass | str | None = None,
    user: str | None = None,
    *,
    class_limit: int = DEFAULT_CLASS_LIMIT,
    law_limit: int = DEFAULT_LAW_LIMIT,
) -> NormalForm:
    """Export a game over a finite class to Gambit's ``.nfg`` format (exact, canonical ties).

    Parameters
    ----------
    game : Instance, Game or path
        The instance, or a Game (which fixes mode, class and limits).
    mode : {"anonymous", "personalized"} or Mode, optional
        The game (default: anonymous, or the Game's).
    cls : str or StrategyClass, optional
        The finite class (default: deterministic, or the Game's).
    user : str, optional
        In the personalized game: the user whose game is exported (required with several users).
    class_limit, law_limit : int
        The class and law limits.

    Returns
    -------
    NormalForm
        The text and the rule behind every Gambit strategy label.

    Raises
    ------
    ModelError
        For an unknown user, a personalized game without one, or a label Gambit cannot store.
    """
    from solver.equilibria.gambit import game_to_nfg, strategy_label

    instance = _instance(game)
    if isinstance(game, Game):
        if mode is not None or cls is not None:
            raise ModelError("mode, cls: the Game given fixes them; omit them")
        played = game
    else:
        chosen = Mode.ANONYMOUS if mode is None else _mode(mode)
        played = Game(
            instance,
            chosen,
            _class("deterministic" if cls is None else cls, instance),
            limit=_count(class_limit, "class_limit"),
            law_limit=_count(law_limit, "law_limit"),
        )
    slice_user = None
    if played.mode is Mode.PERSONALIZED:
        if user is None and len(played.users) != 1:
            labels = ", ".join(repr(u.label) for u in instance.users)
            raise ModelError(
                f"user: the personalized game is exported one user at a time; name one of {labels}"
            )
        if user is not None:
            indices = _user_indices(instance, user)
            assert indices is not None
            played = Game(
                instance, played.mode, played.strategy_class, indices, played.limit, played.law_limit
            )
        slice_user = instance.users[played.users[0]].label
    elif user is not None:
        raise ModelError("user: the anonymous game is played over every user; omit user")
    strategies = Labelled(
        (
            p.label,
            Labelled((strategy_label(r), _rule(instance, j, rule)) for r, rule in enumerate(played.rules[j])),
        )
        for j, p in enumerate(instance.providers)
    )
    return NormalForm(game_to_nfg(played), played.mode, played.strategy_class.name, slice_user, strategies)


__all__ = [
    "Certification",
    "CheckResult",
    "Commitment",
    "Equilibrium",
    "Group",
    "Kind",
    "Labelled",
    "Method",
    "Mode",
    "NormalForm",
    "OracleMethod",
    "ProviderRule",
    "Solution",
    "TiePolicy",
    "UserOutcome",
    "UserResponse",
    "certify",
    "check",
    "commit",
    "export_nfg",
    "load",
    "solve",
]
