"""The deviation oracle as one mixed-integer program, for instances too large to enumerate (SPEC.md §9).

:mod:`solver.oracle.deviation` fixes the users' choices and solves one linear program per combination; the
number of combinations is a product over users and grows exponentially. Here the choices become
binaries of a single program, solved with pulp (CBC by default), whose continuous part is provider
j's mixed rule ``σ(m | s, h)``. For each user i facing j, with ``U(x, h, m, a) = Σ_s σ(m | s, h)
w_i[x][s][a]`` her unnormalised expected utility of action a after message m, report h and feature x:

- ``d[x,h,m,a] ∈ {0,1}``, one action per (x, h, m): ``z[x,h,m] ≥ U(x,h,m,a)`` for every a and
  ``z[x,h,m] ≤ U(x,h,m,a) + M (1 − d[x,h,m,a])``, so z is her best value after m and the chosen
  action attains it (obedience);
- ``r[x,h] ∈ {0,1}``, ``Σ_h r[x,h] = κ``: ``q[x] ≥ Σ_m z[x,h,m]`` for every h and
  ``q[x] ≤ Σ_m z[x,h,m] + M (1 − r[x,h])``, so the chosen report is a best one (truthful reporting)
  and ``V = Σ_x q[x]`` is her value of j's rule;
- ``κ ∈ {0,1}`` (consults j): ``V ≥ o − M (1 − κ)`` and ``V ≤ o + M κ`` against her best other
  value o: she consults j when it is worth at least o (on a tie she picks the deviator, SPEC.md
  §4), and ``V ≤ o`` is the closure of "staying is strictly better", exact for the supremum as in
  the exhaustive oracle. κ is fixed to 1 without rivals, or when no rule of j can be worth less to
  her than o;
- ``g[x,h,m,a] ≤ P(x,h,m,a) + M (2 − d − r)``, ``g ≤ M d``, ``g ≤ M r`` with P j's stake-weighted
  payoff: j's payoff from the chosen report and action. The objective is ``Σ g + Σ (1 − κ) · p``, p
  j's payoff from her when she stays elsewhere.

Every M is an exact bound computed from the data (utilities and stakes are bounded, and masses add
up to one). The solver's answer is a candidate: :func:`solver.oracle.deviation.solve_deviation` fixes its
choices and solves that linear program exactly, evaluates the solver's own rule exactly too, and
keeps the best certified value, labelled "certified candidate, not certified optimal": one of the
values the exhaustive oracle maximises over, hence an exact lower bound on the supremum, whose
optimality rests on the solver.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import pulp

from solver.conversation.rules import Rule
from solver.core.errors import ModelError
from solver.core.model import Instance
from solver.core.numbers import ZERO
from solver.oracle.problem import DEFAULT_MIP_TIME_LIMIT, DeviationContext, UserChoice

_DENOMINATOR = 10**6
"""Largest denominator used when the solver's rule is read back as exact fractions."""


@dataclass(frozen=True)
class MipCandidate:
    """What the solver found for one deviation.

    Attributes
    ----------
    choices : tuple of UserChoice or None
        The users' choices at the solver's solution (None when it found no solution).
    rule : Rule or None
        The solver's rule, read back as exact fractions and renormalised (None without a solution).
    objective : Fraction or None
        The solver's objective value, rationalised: a floating-point estimate, not certified.
    status : str
        The solver's verdict (``Optimal``, ``Not Solved`` at the time limit, …).
    proved_optimal : bool
        Whether the solver reported optimality (within its own tolerances).
    seconds : float
        Time spent in the solver.
    variables : int
        Number of variables of the program.
    binaries : int
        Number of binary variables.
    """

    choices: tuple[UserChoice, ...] | None
    rule: Rule | None
    objective: Fraction | None
    status: str
    proved_optimal: bool
    seconds: float
    variables: int
    binaries: int


def _bound(table: Sequence[Sequence[Sequence[Fraction]]], x: int) -> Fraction:
    """``Σ_s max_a |w[x][s][a]|``: bounds ``|U(x, h, m, a)|`` and ``|Σ_m U(x, h, m, a_m)|``."""
    return sum((max(abs(v) for v in row) for row in table[x]), ZERO)


def _linear(
    context: DeviationContext,
    sigma: dict[int, Any],
    table: Sequence[Sequence[Sequence[Fraction]]],
    key: tuple[int, int, int, int],
) -> Any:
    """``Σ_s σ(m | s, h) · table[x][s][a]`` as a pulp expression."""
    x, h, m, a = key
    return pulp.lpSum(
        float(table[x][s][a]) * sigma[context.sigma(s, h, m)]
        for s in range(context.signals)
        if table[x][s][a]
    )


def _read_rule(context: DeviationContext, sigma: dict[int, Any]) -> Rule:
    """The solver's σ as exact fractions, clipped at 0 and renormalised on every simplex."""

    def read(s: int, h: int, m: int) -> Fraction:
        value = Fraction(sigma[context.sigma(s, h, m)].varValue or 0.0).limit_denominator(_DENOMINATOR)
        return max(ZERO, value)

    def probability(s: int, h: int, m: int) -> Fraction:
        total = sum((read(s, h, k) for k in range(context.messages)), ZERO)
        if total == 0:
            return Fraction(int(m == 0))
        return read(s, h, m) / total

    return context.rule(probability)


def solve_deviation_mip(
    instance: Instance,
    provider: int,
    users: Sequence[int],
    outside: Sequence[Fraction | None],
    staying: Sequence[Fraction],
    may_stay: Sequence[bool],
    time_limit: float | None = DEFAULT_MIP_TIME_LIMIT,
    solver: Any = None,
) -> MipCandidate:
    """Provider j's best mixed deviation as one mixed-integer program (a candidate).

    Parameters
    ----------
    instance : Instance
        The game.
    provider : int
        The deviator j.
    users : sequence of int
        The users of the game.
    outside : sequence of Fraction or None
        Each user's best value from the other providers (None when j is the only provider).
    staying : sequence of Fraction
        j's payoff from each user when she stays elsewhere.
    may_stay : sequence of bool
        Whether each user may stay elsewhere under some rule of j.
    time_limit : float or None
        Seconds the solver may spend (its best solution so far is taken at the limit).
    solver : pulp solver, optional
        Defaults to CBC.

    Returns
    -------
    MipCandidate
        The solver's choices, rule and objective value, none of them certified.
    """
    if time_limit is not None and not time_limit > 0:
        raise ModelError(f"the MIP time limit must be a positive number of seconds, got {time_limit!r}")
    context = DeviationContext(instance, provider)
    problem = pulp.LpProblem(f"deviation_{provider}", pulp.LpMaximize)
    sigma = {
        context.sigma(s, h, m): problem.add_variable(f"sigma_{s}_{h}_{m}", 0, 1)
        for s in range(context.signals)
        for h in range(context.nodes)
        for m in range(context.messages)
    }
    for s in range(context.signals):
        for h in range(context.nodes):
            problem += pulp.lpSum(sigma[context.sigma(s, h, m)] for m in range(context.messages)) == 1
    objective: list[Any] = []
    binaries = 0
    kappas: list[Any] = []
    reports: list[list[list[Any]]] = []
    actions: list[list[list[list[list[Any]]]]] = []
    for u, i in enumerate(users):
        user = instance.users[i]
        w = context.weights(i, user.utility)
        stake = instance.stakes[provider][i]
        paid = context.weights(i, [[v * stake.weight for v in row] for row in stake.utility])
        features = range(len(user.features))
        n_actions = len(user.actions)
        if outside[u] is not None and may_stay[u]:
            kappa: Any = problem.add_variable(f"consults_{u}", cat=pulp.LpBinary)
            binaries += 1
            objective.append(float(staying[u]) * (1 - kappa))
        else:
            kappa = 1
        kappas.append(kappa)
        value_terms = []
        user_reports: list[list[Any]] = []
        user_actions: list[list[list[list[Any]]]] = []
        for x in features:
            bound = _bound(w, x)
            pay_bound = _bound(paid, x)
            big = float(2 * bound)
            pay_big = float(pay_bound)
            q = problem.add_variable(f"value_{u}_{x}", -float(bound), float(bound))
            value_terms.append(q)
            r = [problem.add_variable(f"report_{u}_{x}_{h}", cat=pulp.LpBinary) for h in range(context.nodes)]
            binaries += len(r)
            problem += pulp.lpSum(r) == kappa
            per_report = []
            for h in range(context.nodes):
                per_message = []
                z_terms = []
                for m in range(context.messages):
                    z = problem.add_variable(f"best_{u}_{x}_{h}_{m}", -float(bound), float(bound))
                    z_terms.append(z)
                    d = [
                        problem.add_variable(f"action_{u}_{x}_{h}_{m}_{a}", cat=pulp.LpBinary)
                        for a in range(n_actions)
                    ]
                    binaries += len(d)
                    problem += pulp.lpSum(d) == 1
                    for a in range(n_actions):
                        utility = _linear(context, sigma, w, (x, h, m, a))
                        problem += z >= utility
                        problem += z <= utility + big * (1 - d[a])
                        g = problem.add_variable(f"pay_{u}_{x}_{h}_{m}_{a}", -pay_big, pay_big)
                        problem += g <= _linear(context, sigma, paid, (x, h, m, a)) + pay_big * (
                            2 - d[a] - r[h]
                        )
                        problem += g <= pay_big * d[a]
                        problem += g <= pay_big * r[h]
                        objective.append(g)
                    per_message.append(d)
                total = pulp.lpSum(z_terms)
                problem += q >= total
                problem += q <= total + big * (1 - r[h])
                per_report.append(per_message)
            user_reports.append(r)
            user_actions.append(per_report)
        reports.append(user_reports)
        actions.append(user_actions)
        best_other = outside[u]
        if best_other is not None:
            value = pulp.lpSum(value_terms)
            total_bound = sum((_bound(w, x) for x in features), ZERO)
            big = float(total_bound + abs(best_other))
            if isinstance(kappa, int):
                problem += value >= float(best_other)
            else:
                problem += value >= float(best_other) - big * (1 - kappa)
                problem += value <= float(best_other) + big * kappa
    problem += pulp.lpSum(objective)
    started = time.perf_counter()
    with warnings.catch_warnings():
        # PuLP announces that its bundled CBC moves to an extra in PuLP 4.0; it is still the default.
        warnings.simplefilter("ignore", DeprecationWarning)
        chosen = solver or pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit)
        status = problem.solve(chosen)
    seconds = time.perf_counter() - started
    variables = len(problem.variables())
    verdict = pulp.LpStatus.get(status, str(status))
    has_solution = problem.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    if not has_solution:
        return MipCandidate(None, None, None, verdict, False, seconds, variables, binaries)
    choices = []
    for u, i in enumerate(users):
        kappa = kappas[u]
        consults = kappa == 1 if isinstance(kappa, int) else (kappa.varValue or 0.0) > 0.5
        if not consults:
            choices.append(UserChoice(i, False))
            continue
        picked_reports = []
        picked_actions = []
        for x, r in enumerate(reports[u]):
            h = max(range(len(r)), key=lambda k: r[k].varValue or 0.0)
            picked_reports.append(h)
            picked_actions.append(
                tuple(max(range(len(d)), key=lambda a: d[a].varValue or 0.0) for d in actions[u][x][h])
            )
        choices.append(UserChoice(i, True, tuple(picked_reports), tuple(picked_actions)))
    objective_value = pulp.value(problem.objective)
    return MipCandidate(
        tuple(choices),
        _read_rule(context, sigma),
        None if objective_value is None else Fraction(objective_value).limit_denominator(_DENOMINATOR),
        verdict,
        problem.sol_status == pulp.LpSolutionOptimal,
        seconds,
        variables,
        binaries,
    )


__all__ = ["MipCandidate", "solve_deviation_mip"]
