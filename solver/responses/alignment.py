"""The alignment conditions of SPEC.md §7 as exact linear programs.

*Weak Market Alignment* fits each user's utility by her own convex combination of the providers'
utilities plus an offset, in the sup norm; its transfer factor ``1/λ*_i = Σ_j w_{j,i}/λ_{j,i}`` is
what converts a provider's slack δ into the user's loss (claim C1 of SPEC.md §8). C1's bound
weighs only the providers that have a stake in the user (``λ_{j,i} > 0``, the support rule of
SPEC.md §8), for δ = 0 as well: :func:`best_bound_weights`. *Strong
alignment* asks one combination of the providers' pooled interests ``w_j λ_{j,i} U_{j,i}`` to track
every user's utility at once, up to a positive factor ``μ_i`` (claim C3).

Every optimum is computed by :func:`solver.lp.solve_lp` and certified in exact arithmetic; results
carry ``certified``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from solver.conversation.garblings import resolve_providers
from solver.core.errors import ModelError
from solver.core.model import Instance
from solver.core.numbers import ONE, ZERO
from solver.lp import LinearProgram, LPStatus, Row, solve_lp

_MINUS_ONE = Fraction(-1)


@dataclass(frozen=True)
class WeakAlignment:
    """Weak Market Alignment of one user with a set T of providers (SPEC.md §7).

    Attributes
    ----------
    user : int
        User i.
    providers : tuple of int
        The set T, in file order; ``weights`` follows it.
    weights : tuple of Fraction
        ``w_{j,i}`` on the simplex over T: among the weights of least error, those of least transfer
        factor (and weight 0 on every provider with ``λ_{j,i} = 0`` when that is possible).
    offset : Fraction
        ``c_i``.
    error : Fraction
        ``ε_i(T) = min max_{a,y} |Σ_j w_{j,i} U_{j,i}(a, y) + c_i − u_i(a, y)|``.
    transfer_factor : Fraction or None
        ``1/λ*_i = Σ_j w_{j,i}/λ_{j,i}`` for these weights; None (infinite) when every least-error
        fit puts weight on a provider with ``λ_{j,i} = 0``.
    delta : Fraction
        The δ of ``bound_term``.
    bound_term : Fraction or None
        ``2 ε_i(T) + δ/λ*_i`` for these weights, the loss C1 allows; None when the factor is
        infinite, whatever δ: C1 says nothing through a provider with ``λ_{j,i} = 0`` (SPEC.md §8).
        :func:`best_bound_weights` minimises it over the weights C1 admits.
    certified : bool
        Whether every optimum (and infeasibility, for an infinite factor) was certified exactly.
    """

    user: int
    providers: tuple[int, ...]
    weights: tuple[Fraction, ...]
    offset: Fraction
    error: Fraction
    transfer_factor: Fraction | None
    delta: Fraction
    bound_term: Fraction | None
    certified: bool


@dataclass(frozen=True)
class AlignmentBound:
    """The weights minimising the C1 loss ``2ε + δ Σ_j w_j/λ_{j,i}`` (SPEC.md §8, C1).

    The weights range over the providers of T that have a stake in user i (``λ_{j,i} > 0``), for
    δ = 0 as well (the support rule of SPEC.md §8).

    Attributes
    ----------
    user : int
        User i.
    providers : tuple of int
        The set T; ``weights`` follows it.
    support : tuple of int
        The providers of T with ``λ_{j,i} > 0``, in file order: the only ones that may have weight.
    delta : Fraction
        δ.
    bound_term : Fraction or None
        The exact minimum; None when ``support`` is empty: no provider of T has a stake in user i
        and C1 is vacuous for her and T.
    weights : tuple of Fraction or None
        A minimiser, one weight per provider of T and 0 outside ``support`` (None when vacuous).
    offset : Fraction or None
        Its offset ``c_i``.
    error : Fraction or None
        Its sup-norm error: ``ε_i(T)`` of the bound, at least the unrestricted ``ε_i(T)`` of
        :func:`weak_alignment`.
    transfer_factor : Fraction or None
        Its ``1/λ*_i``, finite (None only when vacuous).
    certified : bool
        Whether the optimum was certified exactly (True when vacuous: nothing was solved).
    """

    user: int
    providers: tuple[int, ...]
    support: tuple[int, ...]
    delta: Fraction
    bound_term: Fraction | None
    weights: tuple[Fraction, ...] | None
    offset: Fraction | None
    error: Fraction | None
    transfer_factor: Fraction | None
    certified: bool


@dataclass(frozen=True)
class StrongBound:
    """User i's C3 bound term ``min (δ + 2 Σ_k ε'_k(T)) / μ_i`` with a minimiser (SPEC.md §8, C3).

    Attributes
    ----------
    user : int
        User i.
    bound_term : Fraction
        The exact minimum over ``w ∈ Δ(T)``, ``μ_i > 0``, ``μ_k ≥ 0`` and offsets (an infimum when
        ``attained`` is False).
    weights, factors, offsets, errors : tuple of Fraction or None
        A minimiser ``(w, μ, c)`` and its errors ``ε'_k(T)``, one per provider in T (weights) or
        per user (the others); None when the infimum is not attained.
    attained : bool
        Whether some finite ``μ_i`` attains the minimum.
    certified : bool
        Whether the optimum was certified exactly.
    """

    user: int
    bound_term: Fraction
    weights: tuple[Fraction, ...] | None
    factors: tuple[Fraction, ...] | None
    offsets: tuple[Fraction, ...] | None
    errors: tuple[Fraction, ...] | None
    attained: bool
    certified: bool


@dataclass(frozen=True)
class StrongAlignment:
    """Strong alignment of every user with a set T of providers (SPEC.md §7).

    Attributes
    ----------
    providers : tuple of int
        The set T; ``weights`` follows it.
    delta : Fraction
        The δ of the bound terms.
    holds : bool
        Whether one ``w ∈ Δ(T)`` and factors ``μ_i > 0`` track every user with zero error:
        ``Σ_j w_j λ_{j,i} U_{j,i} = μ_i u_i + c_i`` for all i.
    margin : Fraction or None
        The optimum of ``max t`` s.t. ``μ_i ≥ t`` (all errors 0, ``t ≤ 1``); positive exactly when
        strong alignment holds; None when no ``μ ≥ 0`` gives zero error at all.
    weights, factors, offsets : tuple of Fraction or None
        The witness of ``margin`` (None when there is none).
    bounds : tuple of StrongBound
        Per user, the C3 bound term with this δ.
    certified : bool
        Whether every optimum (or infeasibility) was certified exactly.
    """

    providers: tuple[int, ...]
    delta: Fraction
    holds: bool
    margin: Fraction | None
    weights: tuple[Fraction, ...] | None
    factors: tuple[Fraction, ...] | None
    offsets: tuple[Fraction, ...] | None
    bounds: tuple[StrongBound, ...]
    certified: bool


# -- helpers -------------------------------------------------------------------------------------------


def _pairs(instance: Instance, user: int) -> list[tuple[int, int]]:
    """Every (action, state) pair of user i, by index."""
    return [(a, y) for a in range(len(instance.users[user].actions)) for y in range(len(instance.states))]


def _check_user(instance: Instance, user: int) -> None:
    if not 0 <= user < len(instance.users):
        raise ModelError(f"user index {user} out of range; the instance has {len(instance.users)} users")


def _check_delta(delta: Fraction) -> Fraction:
    if isinstance(delta, bool) or not isinstance(delta, (Fraction, int)):
        raise ModelError(f"δ = {delta!r} is not an exact number; use fractions.Fraction")
    if delta < 0:
        raise ModelError(f"δ = {delta} is negative; δ ≥ 0")
    return Fraction(delta)


def _transfer_factor(
    instance: Instance, user: int, providers: Sequence[int], weights: Sequence[Fraction]
) -> Fraction | None:
    total = ZERO
    for j, w in zip(providers, weights):
        if w == 0:
            continue
        stake = instance.stakes[j][user].weight
        if stake == 0:
            return None
        total += w / stake
    return total


def _bound_term(error: Fraction, delta: Fraction, factor: Fraction | None) -> Fraction | None:
    # An infinite factor means weight on a provider without a stake: no bound, even with δ = 0.
    if factor is None:
        return None
    return 2 * error + delta * factor


def _fit_rows(
    instance: Instance, user: int, providers: Sequence[int], error: Fraction | None
) -> tuple[list[Row], list[Fraction], list[str]]:
    """Rows ``±(Σ_j U_{j,i} w_j + c − u_i) ≤ ε`` over all (a, y).

    Variables: ``w`` (one per j in T), ``c``, and ε itself when ``error`` is None; otherwise ε is
    the given constant.
    """
    t = len(providers)
    utility = instance.users[user].utility
    rows: list[Row] = []
    rhs: list[Fraction] = []
    names: list[str] = []
    for a, y in _pairs(instance, user):
        fit = [(p, instance.stakes[j][user].utility[a][y]) for p, j in enumerate(providers)]
        fit = [(p, v) for p, v in fit if v != 0]
        label = f"[{instance.users[user].actions[a]}][{instance.states[y]}]"
        u = utility[a][y]
        if error is None:
            rows.append((*fit, (t, ONE), (t + 1, _MINUS_ONE)))
            rhs.append(u)
            rows.append((*((p, -v) for p, v in fit), (t, _MINUS_ONE), (t + 1, _MINUS_ONE)))
            rhs.append(-u)
        else:
            rows.append((*fit, (t, ONE)))
            rhs.append(u + error)
            rows.append((*((p, -v) for p, v in fit), (t, _MINUS_ONE)))
            rhs.append(error - u)
        names += [f"fit{label}≤", f"fit{label}≥"]
    return rows, rhs, names


def fit_error(
    instance: Instance,
    user: int,
    providers: Iterable[str | int],
    weights: Sequence[Fraction],
    offset: Fraction,
) -> Fraction:
    """The sup-norm error ``max_{a,y} |Σ_j w_j U_{j,i}(a, y) + c − u_i(a, y)|`` of given weights (SPEC.md §7).

    Parameters
    ----------
    instance : Instance
        The game.
    user : int
        User i.
    providers : iterable of str or int
        The set T; ``weights`` follows its file order.
    weights : sequence of Fraction
        ``w_{j,i}``.
    offset : Fraction
        ``c_i``.

    Returns
    -------
    Fraction
        The exact error.
    """
    members = resolve_providers(instance, providers)
    utility = instance.users[user].utility
    return max(
        abs(
            sum((w * instance.stakes[j][user].utility[a][y] for j, w in zip(members, weights)), ZERO)
            + offset
            - utility[a][y]
        )
        for a, y in _pairs(instance, user)
    )


def strong_errors(
    instance: Instance,
    providers: Iterable[str | int],
    weights: Sequence[Fraction],
    factors: Sequence[Fraction],
    offsets: Sequence[Fraction],
) -> tuple[Fraction, ...]:
    """Every user's strong error ``ε'_i = max_{a,y} |Σ_j w_j λ_{j,i} U_{j,i} − μ_i u_i − c_i|`` (SPEC.md §7).

    Parameters
    ----------
    instance : Instance
        The game.
    providers : iterable of str or int
        The set T; ``weights`` follows its file order.
    weights : sequence of Fraction
        ``w_j``.
    factors, offsets : sequence of Fraction
        ``μ_i`` and ``c_i``, one per user.

    Returns
    -------
    tuple of Fraction
        ``ε'_i`` per user.
    """
    members = resolve_providers(instance, providers)
    return tuple(
        max(
            abs(
                sum(
                    (
                        w * instance.stakes[j][i].weight * instance.stakes[j][i].utility[a][y]
                        for j, w in zip(members, weights)
                    ),
                    ZERO,
                )
                - factors[i] * instance.users[i].utility[a][y]
                - offsets[i]
            )
            for a, y in _pairs(instance, i)
        )
        for i in range(len(instance.users))
    )


# -- weak market alignment -----------------------------------------------------------------------------


def weak_alignment(
    instance: Instance, user: int, providers: Iterable[str | int], delta: Fraction = ZERO
) -> WeakAlignment:
    """Weak Market Alignment of user i with T: ``ε_i(T)``, weights, offset and ``1/λ*_i`` (SPEC.md §7).

    Two exact LPs. First ``min ε`` over ``w ∈ Δ(T)``, free ``c`` and ε with
    ``|Σ_j w_j U_{j,i}(a, y) + c − u_i(a, y)| ≤ ε`` for every (a, y). Then, with ε fixed at that
    optimum, weight 0 on every provider with ``λ_{j,i} = 0`` and ``min Σ_j w_j/λ_{j,i}``; when that
    second program is infeasible (a certified Farkas certificate), every least-error fit leans on a
    provider that does not care about user i and the transfer factor is infinite.

    Parameters
    ----------
    instance : Instance
        The game.
    user : int
        Index of user i.
    providers : iterable of str or int
        The set T (labels or indices), non-empty.
    delta : Fraction, optional
        δ for :attr:`WeakAlignment.bound_term` (default 0).

    Returns
    -------
    WeakAlignment
        Exact error, weights, offset and transfer factor, with ``certified``.
    """
    _check_user(instance, user)
    delta = _check_delta(delta)
    members = resolve_providers(instance, providers)
    t = len(members)
    rows, rhs, names = _fit_rows(instance, user, members, None)
    first = solve_lp(
        LinearProgram(
            objective=(*(ZERO,) * (t + 1), _MINUS_ONE),
            upper_rows=tuple(rows),
            upper_rhs=tuple(rhs),
            equal_rows=(tuple((p, ONE) for p in range(t)),),
            equal_rhs=(ONE,),
            free=(*(False,) * t, True, False),
            variable_names=(*(instance.providers[j].label for j in members), "c", "ε"),
            row_names=(*names, "simplex"),
        )
    )
    if first.status is not LPStatus.OPTIMAL or first.value is None:
        raise AssertionError(
            f"the weak alignment fit has no optimum ({first.status.value}); it always has one"
        )
    error = -first.value
    rows, rhs, names = _fit_rows(instance, user, members, error)
    careless = [p for p, j in enumerate(members) if instance.stakes[j][user].weight == 0]
    second = solve_lp(
        LinearProgram(
            objective=(
                *(
                    ZERO if p in careless else -1 / instance.stakes[j][user].weight
                    for p, j in enumerate(members)
                ),
                ZERO,
            ),
            upper_rows=tuple(rows),
            upper_rhs=tuple(rhs),
            equal_rows=(tuple((p, ONE) for p in range(t)), *(((p, ONE),) for p in careless)),
            equal_rhs=(ONE, *(ZERO for _ in careless)),
            free=(*(False,) * t, True),
            variable_names=(*(instance.providers[j].label for j in members), "c"),
            row_names=(
                *names,
                "simplex",
                *(f"no weight on {instance.providers[members[p]].label}" for p in careless),
            ),
        )
    )
    certified = first.certified and second.certified
    if second.status is LPStatus.OPTIMAL and second.value is not None:
        weights, offset, factor = second.primal[:t], second.primal[t], -second.value
    elif second.status is LPStatus.INFEASIBLE:
        weights, offset, factor = first.primal[:t], first.primal[t], None
    else:
        raise AssertionError(f"the transfer-factor program is {second.status.value}; it is bounded")
    return WeakAlignment(
        user,
        members,
        tuple(weights),
        offset,
        error,
        factor,
        delta,
        _bound_term(error, delta, factor),
        certified,
    )


def best_bound_weights(
    instance: Instance, user: int, providers: Iterable[str | int], delta: Fraction = ZERO
) -> AlignmentBound:
    """The weights minimising C1's loss ``2 ε + δ Σ_j w_j/λ_{j,i}`` for user i and T (SPEC.md §8, C1).

    The weights range over the providers of T with a stake in user i (``λ_{j,i} > 0``), whatever
    δ: the proof's step ``λ_{j,i}(E_ρ − E_eq) ≤ δ`` tells nothing about a provider with
    ``λ_{j,i} = 0``, so its fit cannot enter the bound (SPEC.md §8, the support rule). One exact LP
    over ``w ∈ Δ(T)`` with weight 0 outside that support, free ``c`` and ε, with the fit rows of
    :func:`weak_alignment`. When no provider of T has a stake in user i there is nothing to solve:
    the bound is vacuous.

    Parameters
    ----------
    instance : Instance
        The game.
    user : int
        Index of user i.
    providers : iterable of str or int
        The set T.
    delta : Fraction, optional
        δ ≥ 0 (default 0).

    Returns
    -------
    AlignmentBound
        The exact minimum and a minimiser on the support; the minimum is None (vacuous) when no
        provider in T has a stake in user i.
    """
    _check_user(instance, user)
    delta = _check_delta(delta)
    members = resolve_providers(instance, providers)
    t = len(members)
    support = tuple(j for j in members if instance.stakes[j][user].weight > 0)
    if not support:
        return AlignmentBound(user, members, support, delta, None, None, None, None, None, True)
    rows, rhs, names = _fit_rows(instance, user, members, None)
    careless = [p for p, j in enumerate(members) if j not in support]
    costs = tuple(
        ZERO if p in careless else -delta / instance.stakes[j][user].weight for p, j in enumerate(members)
    )
    solution = solve_lp(
        LinearProgram(
            objective=(*costs, ZERO, Fraction(-2)),
            upper_rows=tuple(rows),
            upper_rhs=tuple(rhs),
            equal_rows=(tuple((p, ONE) for p in range(t)), *(((p, ONE),) for p in careless)),
            equal_rhs=(ONE, *(ZERO for _ in careless)),
            free=(*(False,) * t, True, False),
            variable_names=(*(instance.providers[j].label for j in members), "c", "ε"),
            row_names=(
                *names,
                "simplex",
                *(f"no weight on {instance.providers[members[p]].label} (λ = 0)" for p in careless),
            ),
        )
    )
    if solution.status is not LPStatus.OPTIMAL or solution.value is None:
        raise AssertionError(
            f"the C1 bound program is {solution.status.value}; with a provider of positive stake it is "
            "feasible and bounded"
        )
    weights = solution.primal[:t]
    return AlignmentBound(
        user,
        members,
        support,
        delta,
        -solution.value,
        weights,
        solution.primal[t],
        solution.primal[t + 1],
        _transfer_factor(instance, user, members, weights),
        solution.certified,
    )


# -- strong alignment ----------------------------------------------------------------------------------


def _pooled(
    instance: Instance, providers: Sequence[int], user: int, a: int, y: int
) -> list[tuple[int, Fraction]]:
    """The coefficients ``λ_{j,i} U_{j,i}(a, y)`` of the weights ``w_j`` (non-zero ones)."""
    coefficients = [
        (p, instance.stakes[j][user].weight * instance.stakes[j][user].utility[a][y])
        for p, j in enumerate(providers)
    ]
    return [(p, v) for p, v in coefficients if v != 0]


def strong_alignment(
    instance: Instance, providers: Iterable[str | int], delta: Fraction = ZERO
) -> StrongAlignment:
    """Strong alignment for T, and each user's C3 bound term (SPEC.md §7, §8 C3).

    Zero error: the LP ``max t`` over ``w ∈ Δ(T)``, ``μ ≥ 0``, free ``c`` and ``0 ≤ t ≤ 1`` with
    ``Σ_j w_j λ_{j,i} U_{j,i}(a, y) = μ_i u_i(a, y) + c_i`` for all i, a, y and ``μ_i ≥ t``; strong
    alignment holds exactly when its optimum is positive (infeasible: it does not hold).

    The bound term of user i, ``min (δ + 2 Σ_k ε'_k) / μ_i``, is linear-fractional; the
    Charnes–Cooper substitution ``s = 1/μ_i`` (``w' = s w``, ``μ' = s μ``, ``c' = s c``,
    ``e = s ε'``) makes it the LP ``min δ s + 2 Σ_k e_k`` s.t. ``Σ_j w'_j = s``, ``μ'_i = 1``,
    ``μ'_k ≥ 0`` and ``|Σ_j w'_j λ_{j,k} U_{j,k} − μ'_k u_k − c'_k| ≤ e_k``. Other users' factors may
    be 0 there: C3's proof only needs their terms to be non-negative. An optimum with ``s > 0``
    gives the minimiser back by dividing by s; when every optimum has ``s = 0`` the minimum is an
    infimum (``μ_i → ∞``), still a valid bound, and no minimiser is returned.

    Parameters
    ----------
    instance : Instance
        The game.
    providers : iterable of str or int
        The set T.
    delta : Fraction, optional
        δ ≥ 0 of the bound terms (default 0).

    Returns
    -------
    StrongAlignment
        Whether it holds, the witness, and every user's bound term, exact and certified.
    """
    delta = _check_delta(delta)
    members = resolve_providers(instance, providers)
    t, n = len(members), len(instance.users)
    # Variables: w (t), μ (n), c (n, free), t.
    margin_index = t + 2 * n
    equal_rows: list[Row] = [tuple((p, ONE) for p in range(t))]
    equal_names = ["simplex"]
    for i in range(n):
        for a, y in _pairs(instance, i):
            u = instance.users[i].utility[a][y]
            row: list[tuple[int, Fraction]] = list(_pooled(instance, members, i, a, y))
            if u != 0:
                row.append((t + i, -u))
            row.append((t + n + i, _MINUS_ONE))
            equal_rows.append(tuple(row))
            equal_names.append(
                f"track {instance.users[i].label}[{instance.users[i].actions[a]}][{instance.states[y]}]"
            )
    upper_rows: list[Row] = [((margin_index, ONE), (t + i, _MINUS_ONE)) for i in range(n)]
    upper_rows.append(((margin_index, ONE),))
    zero_error = solve_lp(
        LinearProgram(
            objective=(*(ZERO,) * (t + 2 * n), ONE),
            upper_rows=tuple(upper_rows),
            upper_rhs=(*(ZERO,) * n, ONE),
            equal_rows=tuple(equal_rows),
            equal_rhs=(ONE, *(ZERO,) * (len(equal_rows) - 1)),
            free=(*(False,) * (t + n), *(True,) * n, False),
            row_names=(*(f"μ_{u.label} ≥ t" for u in instance.users), "t ≤ 1", *equal_names),
        )
    )
    bounds = tuple(_strong_bound(instance, members, i, delta) for i in range(n))
    certified = zero_error.certified and all(b.certified for b in bounds)
    if zero_error.status is LPStatus.INFEASIBLE:
        return StrongAlignment(members, delta, False, None, None, None, None, bounds, certified)
    if zero_error.status is not LPStatus.OPTIMAL or zero_error.value is None:
        raise AssertionError(f"the strong alignment program is {zero_error.status.value}; it is bounded")
    x = zero_error.primal
    margin = zero_error.value
    return StrongAlignment(
        members,
        delta,
        margin > 0,
        margin,
        x[:t],
        x[t : t + n],
        x[t + n : t + 2 * n],
        bounds,
        certified,
    )


def _strong_bound(instance: Instance, members: tuple[int, ...], user: int, delta: Fraction) -> StrongBound:
    """User i's C3 bound term by the Charnes–Cooper LP (see :func:`strong_alignment`)."""
    t, n = len(members), len(instance.users)
    # Variables: w' (t), μ' (n), c' (n, free), e (n), s.
    s_index = t + 3 * n
    upper_rows: list[Row] = []
    names: list[str] = []
    for k in range(n):
        for a, y in _pairs(instance, k):
            u = instance.users[k].utility[a][y]
            pooled = _pooled(instance, members, k, a, y)
            scaled: list[tuple[int, Fraction]] = [(t + k, -u)] if u != 0 else []
            upper_rows.append((*pooled, *scaled, (t + n + k, _MINUS_ONE), (t + 2 * n + k, _MINUS_ONE)))
            upper_rows.append(
                (
                    *((p, -v) for p, v in pooled),
                    *((q, -v) for q, v in scaled),
                    (t + n + k, ONE),
                    (t + 2 * n + k, _MINUS_ONE),
                )
            )
            label = f"{instance.users[k].label}[{instance.users[k].actions[a]}][{instance.states[y]}]"
            names += [f"track {label} ≤", f"track {label} ≥"]
    equal_rows: tuple[Row, ...] = ((*((p, ONE) for p in range(t)), (s_index, _MINUS_ONE)), ((t + user, ONE),))
    free = (*(False,) * (t + n), *(True,) * n, *(False,) * (n + 1))
    objective = (*(ZERO,) * (t + 2 * n), *(Fraction(-2),) * n, -delta)
    program = LinearProgram(
        objective=objective,
        upper_rows=tuple(upper_rows),
        upper_rhs=(ZERO,) * len(upper_rows),
        equal_rows=equal_rows,
        equal_rhs=(ZERO, ONE),
        free=free,
        row_names=(*names, "Σ w' = s", "μ'_i = 1"),
    )
    solution = solve_lp(program)
    if solution.status is not LPStatus.OPTIMAL or solution.value is None:
        raise AssertionError(f"the C3 bound program is {solution.status.value}; it is feasible and bounded")
    bound = -solution.value
    certified = solution.certified
    point = solution.primal
    if point[s_index] == 0:
        # Look for an optimal point with s > 0: the optimal set is convex, so s ≤ 1 loses nothing.
        search = solve_lp(
            LinearProgram(
                objective=(*(ZERO,) * s_index, ONE),
                upper_rows=(
                    *program.upper_rows,
                    tuple((k, -c) for k, c in enumerate(objective) if c != 0),
                    ((s_index, ONE),),
                ),
                upper_rhs=(*program.upper_rhs, bound, ONE),
                equal_rows=equal_rows,
                equal_rhs=(ZERO, ONE),
                free=free,
            )
        )
        certified = certified and search.certified
        if search.status is LPStatus.OPTIMAL:
            point = search.primal
    scale = point[s_index]
    if scale == 0:
        return StrongBound(user, bound, None, None, None, None, False, certified)
    weights = tuple(v / scale for v in point[:t])
    factors = tuple(v / scale for v in point[t : t + n])
    offsets = tuple(v / scale for v in point[t + n : t + 2 * n])
    errors = strong_errors(instance, members, weights, factors, offsets)
    return StrongBound(user, bound, weights, factors, offsets, errors, True, certified)
