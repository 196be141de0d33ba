"""Claims C1 and C3 over a parameter's interval: ``pluralis sweep --what check`` (SPEC.md §8, §9).

Each claim row's margin ``worst − bound`` is computed as :mod:`proofs.c1_personalized` and
:mod:`proofs.c3_strong_alignment` compute it, but over generic exact numbers: the equilibria by
:mod:`solver.parametric.equilibria`, the benchmarks by :mod:`solver.parametric.inspect`, and the
bound terms by the same linear programs as :mod:`solver.responses.alignment`, solved by the
parametric simplex of :mod:`solver.parametric.lp`. Every verdict is a comparison of traced numbers,
so the sweep's pieces split exactly where a margin changes sign, a hypothesis starts or stops
holding, or the equilibria change; on each piece the verdict is constant and each margin an exact
function of the parameter.

Quantities are named ``margin.<claim>.<user>.<T>`` and ``bound.<claim>.<user>.<T>`` per row (None
for a vacuous row), with T written as the point command writes it, and ``margin.<claim>``, the
smallest margin over the rows (None when every row is vacuous); verdicts are ``{<claim>: "holds" |
"counterexample" | "vacuous"}``, as ``pluralis check --json`` reports them.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from proofs.c3_strong_alignment import SHARED_RULE_LIMIT
from proofs.check import check_claims
from proofs.claim import CheckOptions, Verdict
from solver.conversation.garblings import common_garbling, shared_rules, subset_label
from solver.core.errors import ClassTooLargeError, ModelError
from solver.core.model import Instance
from solver.core.numbers import ONE, ZERO
from solver.equilibria.games import Mode
from solver.parametric.equilibria import GenericSolution, SolveEvaluation
from solver.parametric.inspect import benchmark_value, optimum_value
from solver.parametric.lp import GenericLP, GenericStatus, solve_generic_lp
from solver.parametric.responses import value_of
from solver.parametric.sweep import Answer
from solver.parametric.values import is_identically_zero
from solver.responses.information import provider_subsets, revealing_rule

if TYPE_CHECKING:
    from solver.parametric.family import ParametricInstance
    from solver.parametric.sweep import Piece, SweepResult

SWEPT_CLAIMS = ("C1", "C3")
"""The claims a sweep can check: the guarantees whose margins are exact functions of the parameter."""

GenericRow = tuple[tuple[int, Any], ...]


@dataclass(frozen=True)
class SweptRow:
    """One row of a claim's table over generic numbers: a user, a set T, the bound and the margin.

    Attributes
    ----------
    user : str
        The user's label.
    subset_label : str
        T as the point command writes it.
    bound : number or None
        The bound (None for a vacuous row).
    worst : number or None
        Her worst equilibrium utility.
    verdict : Verdict
        The row's verdict.
    note : str
        Why a row is vacuous (empty otherwise).
    """

    user: str
    subset_label: str
    bound: Any
    worst: Any
    verdict: Verdict
    note: str = ""

    @property
    def margin(self) -> Any:
        """``worst − bound`` (None for a vacuous row)."""
        if self.bound is None or self.worst is None:
            return None
        return self.worst - self.bound


def _overall(rows: Sequence[SweptRow]) -> Verdict:
    """As :func:`proofs.c1_personalized.overall`: a counterexample row wins, then a row that holds."""
    if any(r.verdict is Verdict.COUNTEREXAMPLE for r in rows):
        return Verdict.COUNTEREXAMPLE
    if any(r.verdict is Verdict.HOLDS for r in rows):
        return Verdict.HOLDS
    return Verdict.VACUOUS


def _row(user: str, label: str, bound: Any, worst: Any) -> SweptRow:
    verdict = Verdict.HOLDS if worst is not None and worst >= bound else Verdict.COUNTEREXAMPLE
    return SweptRow(user, label, bound, worst, verdict)


def _fit_rows(instance: Any, user: int, providers: tuple[int, ...]) -> tuple[list[GenericRow], list[Any]]:
    """Rows ``±(Σ_j U_{j,i} w_j + c − u_i) ≤ ε`` over all (a, y) (variables w, c, ε), as SPEC.md §7."""
    t = len(providers)
    person = instance.users[user]
    rows: list[GenericRow] = []
    rhs: list[Any] = []
    for a in range(len(person.actions)):
        for y in range(len(instance.states)):
            fit = [(p, instance.stakes[j][user].utility[a][y]) for p, j in enumerate(providers)]
            fit = [(p, v) for p, v in fit if not is_identically_zero(v)]
            u = person.utility[a][y]
            rows.append((*fit, (t, ONE), (t + 1, -ONE)))
            rhs.append(u)
            rows.append((*((p, -v) for p, v in fit), (t, -ONE), (t + 1, -ONE)))
            rhs.append(-u)
    return rows, rhs


def c1_bound_term(instance: Any, user: int, providers: tuple[int, ...], delta: Fraction) -> Any:
    """C1's loss ``min_w 2ε + δ Σ_j w_j/λ_{j,i}`` over generic numbers (SPEC.md §8, the support rule).

    The program of :func:`solver.responses.alignment.best_bound_weights`: weights on the simplex of
    T with weight 0 on every provider without a stake in user i.

    Parameters
    ----------
    instance : Instance or ParametricInstance
        The game.
    user : int
        User i.
    providers : tuple of int
        The set T.
    delta : Fraction
        δ ≥ 0.

    Returns
    -------
    number or None
        The exact minimum; None when no provider of T has a stake in user i (vacuous).
    """
    stakes = [instance.stakes[j][user].weight for j in providers]
    careless = [p for p, w in enumerate(stakes) if not w > 0]
    if len(careless) == len(providers):
        return None
    t = len(providers)
    rows, rhs = _fit_rows(instance, user, providers)
    costs = tuple(ZERO if p in careless else -delta / w for p, w in enumerate(stakes))
    solution = solve_generic_lp(
        GenericLP(
            objective=(*costs, ZERO, Fraction(-2)),
            upper_rows=tuple(rows),
            upper_rhs=tuple(rhs),
            equal_rows=(tuple((p, ONE) for p in range(t)), *(((p, ONE),) for p in careless)),
            equal_rhs=(ONE, *(ZERO for _ in careless)),
            free=(*(False,) * t, True, False),
        )
    )
    if solution.status is not GenericStatus.OPTIMAL:
        raise AssertionError(f"the C1 bound program is {solution.status.value}; it is feasible and bounded")
    return -solution.value


def c3_bound_term(instance: Any, providers: tuple[int, ...], user: int, delta: Fraction) -> Any:
    """C3's term ``min (δ + 2 Σ_k ε'_k(T)) / μ_i`` over generic numbers (SPEC.md §8, C3).

    The Charnes–Cooper program of :func:`solver.responses.alignment.strong_alignment`: variables
    ``w'`` (T), ``μ'`` (users), free ``c'`` (users), errors ``e`` (users) and ``s``, with
    ``Σ_j w'_j = s``, ``μ'_i = 1`` and ``|Σ_j w'_j λ_{j,k} U_{j,k} − μ'_k u_k − c'_k| ≤ e_k``.

    Parameters
    ----------
    instance : Instance or ParametricInstance
        The game.
    providers : tuple of int
        The set T.
    user : int
        User i.
    delta : Fraction
        δ ≥ 0.

    Returns
    -------
    number
        The exact minimum (an infimum when no finite ``μ_i`` attains it: the bound is the same).
    """
    t, n = len(providers), len(instance.users)
    s_index = t + 3 * n
    upper_rows: list[GenericRow] = []
    for k in range(n):
        person = instance.users[k]
        for a in range(len(person.actions)):
            for y in range(len(instance.states)):
                u = person.utility[a][y]
                pooled = [
                    (p, instance.stakes[j][k].weight * instance.stakes[j][k].utility[a][y])
                    for p, j in enumerate(providers)
                ]
                pooled = [(p, v) for p, v in pooled if not is_identically_zero(v)]
                scaled = [] if is_identically_zero(u) else [(t + k, -u)]
                upper_rows.append((*pooled, *scaled, (t + n + k, -ONE), (t + 2 * n + k, -ONE)))
                upper_rows.append(
                    (
                        *((p, -v) for p, v in pooled),
                        *((q, -v) for q, v in scaled),
                        (t + n + k, ONE),
                        (t + 2 * n + k, -ONE),
                    )
                )
    equal_rows: tuple[GenericRow, ...] = (
        (*((p, ONE) for p in range(t)), (s_index, -ONE)),
        ((t + user, ONE),),
    )
    solution = solve_generic_lp(
        GenericLP(
            objective=(*(ZERO,) * (t + 2 * n), *(Fraction(-2),) * n, -delta),
            upper_rows=tuple(upper_rows),
            upper_rhs=(ZERO,) * len(upper_rows),
            equal_rows=equal_rows,
            equal_rhs=(ZERO, ONE),
            free=(*(False,) * (t + n), *(True,) * n, *(False,) * (n + 1)),
        )
    )
    if solution.status is not GenericStatus.OPTIMAL:
        raise AssertionError(f"the C3 bound program is {solution.status.value}; it is feasible and bounded")
    return -solution.value


def _attains_every_benchmark(instance: Any, providers: tuple[int, ...], benchmarks: Sequence[Any]) -> bool:
    """Whether one T-shared rule gives every user her benchmark at once (as C3's ``common_rule``)."""
    garbling = common_garbling(instance, providers)
    runner = garbling.providers[0]

    def attains(rule: Any) -> bool:
        lifted = garbling.lift(instance, runner, rule)
        return all(value_of(instance, i, runner, lifted) == b for i, b in enumerate(benchmarks))

    revealing = revealing_rule(instance, garbling)
    if revealing is not None:
        return attains(revealing)
    return any(
        attains(rule) for rule in itertools.islice(shared_rules(instance, garbling), SHARED_RULE_LIMIT)
    )


def c1_rows(instance: Any, solution: GenericSolution, options: CheckOptions) -> list[SweptRow]:
    """C1's rows over generic numbers, as :func:`proofs.c1_personalized.bound_rows`.

    Parameters
    ----------
    instance : Instance or ParametricInstance
        The game.
    solution : GenericSolution
        The personalized game's equilibria (at least one).
    options : CheckOptions
        δ and the benchmark limit.

    Returns
    -------
    list of SweptRow
        One per user and non-empty T, users first.
    """
    rows = []
    for i, person in enumerate(instance.users):
        worst = solution.worst[i]
        for t in provider_subsets(instance):
            label = subset_label(instance, t)
            term = c1_bound_term(instance, i, t, options.delta)
            if term is None:
                rows.append(
                    SweptRow(
                        person.label, label, None, worst, Verdict.VACUOUS, "no provider of T has a stake"
                    )
                )
                continue
            bound = benchmark_value(instance, i, t, options.benchmark_limit) - term
            rows.append(_row(person.label, label, bound, worst))
    return rows


def c3_rows(instance: Any, solution: GenericSolution, options: CheckOptions) -> list[SweptRow]:
    """C3's rows over generic numbers, as :func:`proofs.c3_strong_alignment.check`.

    Parameters
    ----------
    instance : Instance or ParametricInstance
        The game.
    solution : GenericSolution
        The anonymous game's equilibria (at least one).
    options : CheckOptions
        δ and the benchmark limit.

    Returns
    -------
    list of SweptRow
        Per T, one per user; vacuous rows say which hypothesis fails.
    """
    users = range(len(instance.users))
    optima = [optimum_value(instance, i, options.benchmark_limit) for i in users]
    rows: list[SweptRow] = []
    for t in provider_subsets(instance):
        label = subset_label(instance, t)
        benchmarks = [benchmark_value(instance, i, t, options.benchmark_limit) for i in users]
        problem = None
        if any(b != o for b, o in zip(benchmarks, optima)):
            problem = "Bench_i(T) < OPT_i for some user"
        else:
            try:
                if not _attains_every_benchmark(instance, t, benchmarks):
                    problem = "no single T-shared rule attains every user's benchmark"
            except ClassTooLargeError:
                problem = "too many shared rules to find a common one"
        if problem is not None:
            for i in users:
                rows.append(
                    SweptRow(
                        instance.users[i].label, label, None, solution.worst[i], Verdict.VACUOUS, problem
                    )
                )
            continue
        for i in users:
            bound = benchmarks[i] - c3_bound_term(instance, t, i, options.delta)
            rows.append(_row(instance.users[i].label, label, bound, solution.worst[i]))
    return rows


def row_names(instance: Instance, claim: str) -> list[str]:
    """The quantity names of a claim's rows: ``<user>.<T>``, in the order the checker lists them.

    Parameters
    ----------
    instance : Instance
        The game (any point of the family: names are structural).
    claim : str
        ``C1`` or ``C3``.

    Returns
    -------
    list of str
        ``<user>.<T>`` per row.
    """
    subsets = provider_subsets(instance)
    labels = [subset_label(instance, t) for t in subsets]
    if claim == "C1":
        return [f"{u.label}.{label}" for u in instance.users for label in labels]
    return [f"{u.label}.{label}" for label in labels for u in instance.users]


def _named(instance: Instance, claim: str, rows: Sequence[Any]) -> dict[str, Any]:
    """Bound and margin per row and the claim's smallest margin, by name (every row's name present)."""
    result: dict[str, Any] = {}
    by_name = {f"{r.user}.{r.subset_label}": r for r in rows}
    smallest: Any = None
    for name in row_names(instance, claim):
        row = by_name.get(name)
        margin = None if row is None else row.margin
        result[f"bound.{claim}.{name}"] = None if row is None else row.bound
        result[f"margin.{claim}.{name}"] = margin
        if margin is not None:
            smallest = margin if smallest is None else min(smallest, margin)
    result[f"margin.{claim}"] = smallest
    return result


def check_claim(instance: Any, claim: str, options: CheckOptions) -> tuple[Verdict, list[SweptRow], Any]:
    """One claim over generic numbers: its verdict, its rows and the combinatorial answer.

    Parameters
    ----------
    instance : Instance or ParametricInstance
        The game.
    claim : str
        ``C1`` or ``C3``.
    options : CheckOptions
        Class, δ, tie policy and limits.

    Returns
    -------
    tuple
        The verdict, the rows (empty when the claim is vacuous as a whole) and the reason it is
        vacuous as a whole (empty otherwise). The equilibria themselves are not part of the answer:
        where they change but every verdict and margin stays the same function, the answer is one.
    """
    mode = Mode.PERSONALIZED if claim == "C1" else Mode.ANONYMOUS
    if not options.strategy_class.contains_shared_rules:
        return Verdict.VACUOUS, [], "class lacks the shared rules"
    evaluation = SolveEvaluation(
        mode, options.strategy_class, options.delta, options.policy, options.limit, options.selection_limit
    )
    solution = evaluation.solution(instance)
    if solution.count == 0:
        return Verdict.VACUOUS, [], "no equilibrium"
    rows = c1_rows(instance, solution, options) if claim == "C1" else c3_rows(instance, solution, options)
    return _overall(rows), rows, ""


def _claim_ids(claims: Sequence[str]) -> tuple[str, ...]:
    chosen = tuple(c.upper() for c in claims) or SWEPT_CLAIMS
    for claim in chosen:
        if claim not in SWEPT_CLAIMS:
            raise ModelError(
                f"claim {claim} is not available for sweeps (only {', '.join(SWEPT_CLAIMS)}, whose margins "
                f"are exact functions of the parameter); check it at single values with pluralis check"
            )
    return chosen


@dataclass(frozen=True)
class CheckEvaluation:
    """``pluralis sweep --what check``: C1 and C3 per piece, with their margins (SPEC.md §8).

    Parameters
    ----------
    claims : sequence of str
        The claims (default: C1 and C3); any other is refused.
    options : CheckOptions
        Class, δ, tie policy and limits, as for ``pluralis check``; certification in ``full`` is
        refused (the deviation oracle is not traced).
    """

    claims: Sequence[str] = ()
    options: CheckOptions = field(default_factory=CheckOptions)

    def __post_init__(self) -> None:
        object.__setattr__(self, "claims", _claim_ids(self.claims))
        if self.options.full:
            raise ModelError(
                "check --full is not available for sweeps (the certification in full is not traced); "
                "sweep the finite class, then certify single values with pluralis check --full"
            )

    def traced(self, family: ParametricInstance) -> Answer:
        """The claims on the family's traced numbers.

        Parameters
        ----------
        family : ParametricInstance
            The instance's structure with traced numbers.

        Returns
        -------
        Answer
            Per claim, its verdict, each row's bound and margin and the smallest margin; the
            structure is every row's verdict and the equilibria.
        """
        quantities: dict[str, Any] = {}
        verdicts: dict[str, str] = {}
        structure = []
        for claim in self.claims:
            verdict, rows, summary = check_claim(family, claim, self.options)
            verdicts[claim] = verdict.value
            quantities.update(_named(family, claim, rows))
            structure.append(
                (
                    claim,
                    verdict.value,
                    tuple((r.user, r.subset_label, r.verdict.value, r.note) for r in rows),
                    summary,
                )
            )
        return Answer(quantities, verdicts, tuple(structure))

    def numeric(self, instance: Instance) -> tuple[Mapping[str, Fraction | None], Mapping[str, str]]:
        """The ordinary claim checkers (``pluralis check``) at a rational point.

        Parameters
        ----------
        instance : Instance
            The instance at the point.

        Returns
        -------
        tuple
            The quantities by name and the verdicts by claim.
        """
        results = check_claims(instance, list(self.claims), self.options)
        quantities: dict[str, Fraction | None] = {}
        verdicts: dict[str, str] = {}
        for claim in self.claims:
            result = results[claim]
            verdicts[claim] = result.verdict.value
            quantities.update(_named(instance, claim, result.rows))
        return quantities, verdicts


@dataclass(frozen=True)
class Failure:
    """A piece of a sweep where a claim fails, with a rational value that witnesses it.

    Attributes
    ----------
    claim : str
        The claim.
    piece : Piece
        The piece (an open interval or a point).
    witness : Fraction or None
        A rational inside the piece at which ``pluralis check`` finds the counterexample (None for
        an irrational point, which has no rational inside it).
    """

    claim: str
    piece: Piece
    witness: Fraction | None


def failures(result: SweepResult, claim: str) -> list[Failure]:
    """The pieces of a check sweep where a claim has a counterexample, each with a rational witness.

    Parameters
    ----------
    result : SweepResult
        A sweep of :class:`CheckEvaluation`.
    claim : str
        The claim.

    Returns
    -------
    list of Failure
        In the order of the pieces; the witness is the piece's rational sample (where the numeric
        engine confirmed the traced answer).
    """
    found = []
    for piece in result.pieces:
        if piece.answer.verdicts.get(claim) == Verdict.COUNTEREXAMPLE.value:
            witness = piece.sample if isinstance(piece.sample, Fraction) else None
            found.append(Failure(claim, piece, witness))
    return found
