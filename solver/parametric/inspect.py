"""What ``pluralis inspect`` reports, as exact functions of a parameter (SPEC.md §6, §7).

For every user i: ``OPT_i``; for every non-empty set T of providers: ``Bench_i(T)``, Weak Market
Alignment's error ``ε_i(T)`` and transfer factor ``1/λ*_i``. The benchmark is computed as
:func:`solver.responses.information.solve_benchmark` computes it (the value of the revealing
rule when the alphabet can spell out every cell, else the best deterministic T-shared rule), over
generic numbers; the alignment LPs are those of :func:`solver.responses.alignment.weak_alignment`,
solved by the parametric simplex of :mod:`solver.parametric.lp`.

Quantities are named as ``opt.<user>``, ``bench.<user>.<T>``, ``epsilon.<user>.<T>`` and
``transfer_factor.<user>.<T>``, with T written as the point command writes it (provider labels
joined by commas in file order). A transfer factor is None when it is infinite.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from solver.conversation.garblings import common_garbling, count_shared_rules, shared_rules, subset_label
from solver.core.errors import ClassTooLargeError, Limit
from solver.core.model import Instance
from solver.core.numbers import ONE, ZERO
from solver.parametric.family import ParametricInstance
from solver.parametric.lp import GenericLP, GenericStatus, solve_generic_lp
from solver.parametric.responses import value_of
from solver.parametric.sweep import Answer
from solver.parametric.values import is_identically_zero
from solver.responses.alignment import weak_alignment
from solver.responses.information import (
    DEFAULT_BENCHMARK_LIMIT,
    optimum,
    provider_subsets,
    revealing_rule,
    solve_benchmark,
)


def benchmark_value(
    instance: Any, user: int, providers: tuple[int, ...], limit: int = DEFAULT_BENCHMARK_LIMIT
) -> Any:
    """``Bench_i(T)`` over generic numbers, as :func:`solver.responses.information.solve_benchmark`.

    Parameters
    ----------
    instance : Instance or ParametricInstance
        The game.
    user : int
        Index of user i.
    providers : tuple of int
        The set T.
    limit : int
        Refuse to enumerate more deterministic T-shared rules than this.

    Returns
    -------
    number
        The benchmark.
    """
    garbling = common_garbling(instance, providers)
    runner = garbling.providers[0]
    revealing = revealing_rule(instance, garbling)
    if revealing is not None:
        return value_of(instance, user, runner, garbling.lift(instance, runner, revealing))
    count = count_shared_rules(instance, garbling)
    if count > limit:
        labels = ",".join(instance.providers[j].label for j in garbling.providers)
        raise ClassTooLargeError(
            f"the deterministic {{{labels}}}-shared rules", count, limit, Limit.BENCHMARK
        )
    return max(
        value_of(instance, user, runner, garbling.lift(instance, runner, rule))
        for rule in shared_rules(instance, garbling)
    )


def optimum_value(instance: Any, user: int, limit: int = DEFAULT_BENCHMARK_LIMIT) -> Any:
    """``OPT_i = max_j Bench_i({j})`` over generic numbers.

    Parameters
    ----------
    instance : Instance or ParametricInstance
        The game.
    user : int
        Index of user i.
    limit : int
        Refuse when a provider has more deterministic rules than this.

    Returns
    -------
    number
        The optimum.
    """
    return max(benchmark_value(instance, user, (j,), limit) for j in range(len(instance.providers)))


def _fit_rows(
    instance: Any, user: int, providers: tuple[int, ...], error: Any
) -> tuple[list[tuple[tuple[int, Any], ...]], list[Any]]:
    """The rows ``±(Σ_j U_{j,i} w_j + c − u_i) ≤ ε`` of :func:`solver.responses.alignment.weak_alignment`."""
    t = len(providers)
    person = instance.users[user]
    rows: list[tuple[tuple[int, Any], ...]] = []
    rhs: list[Any] = []
    for a in range(len(person.actions)):
        for y in range(len(instance.states)):
            fit = [(p, instance.stakes[j][user].utility[a][y]) for p, j in enumerate(providers)]
            fit = [(p, v) for p, v in fit if not is_identically_zero(v)]
            u = person.utility[a][y]
            if error is None:
                rows.append((*fit, (t, ONE), (t + 1, -ONE)))
                rhs.append(u)
                rows.append((*((p, -v) for p, v in fit), (t, -ONE), (t + 1, -ONE)))
                rhs.append(-u)
            else:
                rows.append((*fit, (t, ONE)))
                rhs.append(u + error)
                rows.append((*((p, -v) for p, v in fit), (t, -ONE)))
                rhs.append(error - u)
    return rows, rhs


def alignment_values(instance: Any, user: int, providers: tuple[int, ...]) -> tuple[Any, Any]:
    """Weak Market Alignment's ``ε_i(T)`` and transfer factor over generic numbers (SPEC.md §7).

    The two programs of :func:`solver.responses.alignment.weak_alignment`: ``min ε`` over
    ``w ∈ Δ(T)``, free ``c``; then, ε fixed, weight 0 where ``λ_{j,i} = 0`` and
    ``min Σ_j w_j/λ_{j,i}`` (infeasible: the factor is infinite, None).

    Parameters
    ----------
    instance : Instance or ParametricInstance
        The game.
    user : int
        Index of user i.
    providers : tuple of int
        The set T.

    Returns
    -------
    (number, number or None)
        ``ε_i(T)`` and ``1/λ*_i``.
    """
    t = len(providers)
    rows, rhs = _fit_rows(instance, user, providers, None)
    first = solve_generic_lp(
        GenericLP(
            objective=(*(ZERO,) * (t + 1), -ONE),
            upper_rows=tuple(rows),
            upper_rhs=tuple(rhs),
            equal_rows=(tuple((p, ONE) for p in range(t)),),
            equal_rhs=(ONE,),
            free=(*(False,) * t, True, False),
        )
    )
    if first.status is not GenericStatus.OPTIMAL:
        raise AssertionError(f"the weak alignment fit is {first.status.value}; it always has an optimum")
    error = -first.value
    rows, rhs = _fit_rows(instance, user, providers, error)
    weights = [instance.stakes[j][user].weight for j in providers]
    careless = [p for p, w in enumerate(weights) if w == 0]
    second = solve_generic_lp(
        GenericLP(
            objective=(*(ZERO if p in careless else -ONE / w for p, w in enumerate(weights)), ZERO),
            upper_rows=tuple(rows),
            upper_rhs=tuple(rhs),
            equal_rows=(tuple((p, ONE) for p in range(t)), *(((p, ONE),) for p in careless)),
            equal_rhs=(ONE, *(ZERO for _ in careless)),
            free=(*(False,) * t, True),
        )
    )
    if second.status is GenericStatus.OPTIMAL:
        return error, -second.value
    if second.status is GenericStatus.INFEASIBLE:
        return error, None
    raise AssertionError(f"the transfer-factor program is {second.status.value}; it is bounded")


def inspect_quantities(instance: Any, limit: int = DEFAULT_BENCHMARK_LIMIT) -> dict[str, Any]:
    """Every number ``pluralis inspect`` reports per user, over generic numbers.

    Parameters
    ----------
    instance : Instance or ParametricInstance
        The game.
    limit : int
        The benchmark limit.

    Returns
    -------
    dict
        ``opt.<user>``, ``bench.<user>.<T>``, ``epsilon.<user>.<T>``, ``transfer_factor.<user>.<T>``.
    """
    result: dict[str, Any] = {}
    subsets = provider_subsets(instance)
    for i, person in enumerate(instance.users):
        benches = {t: benchmark_value(instance, i, t, limit) for t in subsets}
        singles = [benches[(j,)] for j in range(len(instance.providers))]
        result[f"opt.{person.label}"] = max(singles)
        for t in subsets:
            label = subset_label(instance, t)
            error, factor = alignment_values(instance, i, t)
            result[f"bench.{person.label}.{label}"] = benches[t]
            result[f"epsilon.{person.label}.{label}"] = error
            result[f"transfer_factor.{person.label}.{label}"] = factor
    return result


class InspectEvaluation:
    """The sweep of ``pluralis inspect``'s numbers (an :class:`~solver.parametric.sweep.Evaluation`).

    Parameters
    ----------
    limit : int
        The benchmark limit.
    """

    def __init__(self, limit: int = DEFAULT_BENCHMARK_LIMIT) -> None:
        self.limit = limit

    def traced(self, family: ParametricInstance) -> Answer:
        """The quantities over the family's traced numbers.

        Parameters
        ----------
        family : ParametricInstance
            The family at a trace's point.

        Returns
        -------
        Answer
            The quantities; no verdicts, no further structure.
        """
        return Answer(inspect_quantities(family, self.limit), {}, None)

    def numeric(self, instance: Instance) -> tuple[Mapping[str, Fraction | None], Mapping[str, str]]:
        """The same numbers by the point engine of ``pluralis inspect``.

        Parameters
        ----------
        instance : Instance
            The instance at a rational point.

        Returns
        -------
        (dict, dict)
            The quantities and no verdicts.
        """
        result: dict[str, Fraction | None] = {}
        subsets = provider_subsets(instance)
        for i, person in enumerate(instance.users):
            result[f"opt.{person.label}"] = optimum(instance, i, self.limit)
            for t in subsets:
                label = subset_label(instance, t)
                alignment = weak_alignment(instance, i, t)
                result[f"bench.{person.label}.{label}"] = solve_benchmark(instance, i, t, self.limit).value
                result[f"epsilon.{person.label}.{label}"] = alignment.error
                result[f"transfer_factor.{person.label}.{label}"] = alignment.transfer_factor
        return result, {}
