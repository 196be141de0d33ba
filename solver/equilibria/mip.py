"""The equilibria of a game over a finite class as a mixed-integer program (SPEC.md §5, §9).

A second engine, independent of the enumeration in :mod:`solver.equilibria.enumeration` in how it searches,
and checked by it in exact arithmetic. It writes every deviation of every provider into one program and
lists equilibria one no-good cut at a time, which is slower than the enumeration: it is kept to cross-check
it. On games too large to enumerate, :mod:`solver.equilibria.mip_extremes` answers existence and each
user's worst and best equilibrium with deviation cuts generated lazily instead. The formulation, for
one game (anonymous, or one user's slice of the personalized game):

- ``x[j,r] ∈ {0,1}`` with ``Σ_r x[j,r] = 1``: provider j plays its r-th rule.
- The distinct values of user u over every rule are sorted into levels ``L_0 < L_1 < …``. Whether a
  set S of providers offers her at least ``L_ℓ`` is the 0/1 expression ``Σ_{r: V_kr ≥ L_ℓ} x[k,r]``
  for one provider, and for several a binary ``t ≥ each of those, t ≤ their sum``. Every "strictly
  less" of the model is "not at least the next level": comparisons of values are decided on exact
  rationals when the model is built, so no tolerance ever decides a tie.
- ``z[u,k,r,l] ≤ x[k,r]`` (the product of "u uses provider k with its l-th optimal law" and
  ``x[k,r]``, linearised): one per user, only on an option nobody beats, and her value ``Σ V z`` is
  at least every provider's offered value. ``Π_j = Σ_u Σ P[j] z``.
- ``Dev_{j,r'}``, provider j's payoff after switching to a rule ``r' ≠ σ_j``, is ``Σ_u pay[u,j,r']``
  with each user reacting as SPEC.md §4 says (``RegretKernel.deviation`` of the enumeration, and
  :func:`solver.responses.response.deviation_payoff_from_user`). Whether j *attracts* her is a 0/1 expression
  in the rivals' binaries: no rival offers more than ``V_u(r')`` (deviator-favourable ties); none
  offers more, and none before j in file order as much (canonical); none offers as much
  (adversarial). Then:

  - attracted (case 2): j gets ``own(r')``, its payoff from her response to r' under the policy's
    ties;
  - not attracted, and her provider in b is some k ≠ j (case 3): she keeps ``b_u``, so j gets her
    current payoff to it, ``Σ_{k≠j, r, l} P_j(k,r,l) z[u,k,r,l]``, linear in the z;
  - not attracted, and she was with j (case 4, ``s_u = Σ_{r,l} z[u,j,r,l] = 1``): j gets its
    payoff from her optimal rivals under the policy's ties (the best for j, the first in file
    order, the worst for j);
  - adversarial ties, when her best rival offers exactly ``V_u(r')``: the smaller of ``own(r')``
    and the case 3–4 value.

  A continuous ``q[u,j] ≥ 0`` is bounded below by the case 3 term and by the case 4 value minus
  ``M·(1 − s_u)``; with several rivals, the case 4 value is one bound per rival k and value level
  of k's rules, ``Σ_{r at that level} F x[k,r] − M · [another rival beats the level]`` (canonical
  ties: "or an earlier rival reaches it"), F the payoff j gets from k's rule, and adversarial ties
  take a minimum instead, binaries choosing which optimal rival attains it. Then
  ``pay ≥ own(r') · [attracted]`` and ``pay ≥ q − M · [attracted]``; at an adversarial tie a binary
  picks which of ``own(r')`` and ``q`` bounds ``pay``. Payoffs enter only through
  ``Dev − Π_j ≤ …``, so lower bounds suffice: the smallest feasible ``pay`` is exactly j's payoff
  from her, and every M is the largest payoff the bounded term can take.
- ``Dev_{j,r'} − Π_j ≤ δ + η + M·x[j,r']`` for every (j, r'): keeping ``σ_j`` is no deviation
  (case 1 of SPEC.md §4), so the constraint of ``r' = σ_j`` is switched off, and a provider with a
  single rule has none. Every payoff is a multiple of ``1/scale`` (the common denominator) and
  ``η = 1/(2·scale)`` absorbs floating point error without admitting any profile that exact
  arithmetic rejects.

Every equilibrium profile is found by solving, cutting it off with ``Σ_j x[j, r_j] ≤ m − 1`` and
solving again until the program is infeasible. In the personalized game each user's game is
searched for the profiles with a selection whose regrets are all within δ (a provider's whole-game
regret is the sum of the positive parts of its regrets in the users' games), then recombined exactly
as the enumeration does.

The solver's answers are candidates only: every profile is re-verified in exact arithmetic
(:func:`solver.equilibria.regret.verify_profile`, or the same kernel for a user's slice), and every
reported number comes from that verification, never from the solver. Completeness rests on the
solver's final verdict "infeasible", with the margin η on the side of admitting too much.
"""

from __future__ import annotations

import enum
import itertools
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NoReturn

import pulp

from solver.core.errors import ModelError
from solver.core.numbers import ZERO
from solver.equilibria.games import Game, Mode
from solver.equilibria.regret import (
    DEFAULT_SELECTION_LIMIT,
    Candidate,
    RegretKernel,
    candidate_at,
    extremes,
    is_within,
    personalized_result,
    recombine,
    slice_kernels,
    verify_profile,
)
from solver.equilibria.results import Equilibrium, Method, SolveResult
from solver.responses.response import TiePolicy

Expression = Any
"""A pulp linear expression, variable or number."""

Profile = tuple[int, ...]

_TOLERANCE_WARNING = 1e-5
"""Below this, the margin between distinct exact values is close to the solver's tolerances."""


class Sense(enum.Enum):
    """Which extreme of a user's equilibrium utilities is sought; each value is its text.

    ``Sense("min")`` reads the text; any other text is refused with a :class:`ModelError` that
    names the allowed ones.
    """

    MINIMIZE = "min"
    """Her worst equilibrium."""
    MAXIMIZE = "max"
    """Her best equilibrium."""

    @classmethod
    def _missing_(cls, value: object) -> NoReturn:
        allowed = ", ".join(repr(member.value) for member in cls)
        raise ModelError(f"unknown sense {value!r}; use one of {allowed}")


@dataclass(frozen=True)
class ExtremeEquilibrium:
    """A user's lowest or highest utility over all equilibria, found by the MIP and re-verified.

    Attributes
    ----------
    user : int
        Index of the user.
    sense : Sense
        Her worst equilibrium (``Sense.MINIMIZE``) or her best (``Sense.MAXIMIZE``).
    utility : Fraction or None
        The extreme utility, exact; None when the game has no equilibrium.
    witness : tuple of Equilibrium
        An equilibrium attaining it: one equilibrium of the anonymous game, or one equilibrium per
        user's slice of the personalized game (together a whole-game equilibrium).
    exact : bool
        False when the solver and the exact verification disagreed or the solver stopped early.
    notes : tuple of str
        Disagreements and warnings.
    """

    user: int
    sense: Sense
    utility: Fraction | None
    witness: tuple[Equilibrium, ...]
    exact: bool
    notes: tuple[str, ...] = ()


class _Session:
    """Runs the solver, keeps the time budget and records every departure from exactness."""

    def __init__(self, solver: Any, time_limit: float | None) -> None:
        if time_limit is not None and not time_limit > 0:
            raise ModelError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
        self.solver = solver
        self.deadline = None if time_limit is None else time.monotonic() + time_limit
        self.notes: list[str] = []
        self.exact = True
        self.complete = True

    def _solver(self) -> Any:
        if self.solver is not None:
            return self.solver
        remaining = None if self.deadline is None else max(1.0, self.deadline - time.monotonic())
        with warnings.catch_warnings():
            # PuLP announces that its bundled CBC moves to an extra in PuLP 4.0; it is still the default.
            warnings.simplefilter("ignore", DeprecationWarning)
            # The programs are small and easy: CBC's preprocessing costs more than it saves.
            return pulp.PULP_CBC_CMD(msg=False, timeLimit=remaining, options=["preprocess off"])

    def solve(self, problem: Any) -> bool | None:
        """True: the solver returned a solution (a candidate); False: it proved infeasibility."""
        if not self.complete:
            return None
        if self.deadline is not None and time.monotonic() >= self.deadline:
            self.stop("the time limit was reached before the search finished")
            return None
        status = problem.solve(self._solver())
        if status == pulp.LpStatusOptimal:
            return True
        if status == pulp.LpStatusInfeasible:
            return False
        self.stop(f"the MIP solver returned status {pulp.LpStatus.get(status, status)!r}")
        return None

    def stop(self, reason: str) -> None:
        self.notes.append(f"INCOMPLETE: {reason}; the list holds what was verified so far")
        self.exact = False
        self.complete = False

    def disagree(self, message: str) -> None:
        self.notes.append(f"DISAGREEMENT between the MIP and exact verification: {message}")
        self.exact = False


@dataclass
class _Deviation:
    """``Dev_{j,r'} = Σ pays + constant``, built user by user."""

    pays: list[Expression] = field(default_factory=list)
    constant: Fraction = ZERO


def _add(problem: Any, constraint: Any) -> None:
    """Add a constraint unless both sides were numbers (then it must already hold)."""
    if isinstance(constraint, bool):
        assert constraint, "a constraint between constants fails"
        return
    problem += constraint


class _Model:
    """The variables and constraints of SPEC.md §9 for one game, added to a pulp problem.

    The game is an anonymous game, or one user's slice of a personalized game; ``tag`` prefixes
    the variable names so that several slices can share one problem.
    """

    def __init__(self, problem: Any, game: Game, policy: TiePolicy, tag: str = "") -> None:
        self.problem = problem
        self.game = game
        self.policy = policy
        self.tag = tag
        table = game.table.responses
        self.m = len(game.instance.providers)
        self.n = len(table)
        self.sizes = tuple(len(rules) for rules in game.rules)
        self.values = [[[r.value for r in provider] for provider in user] for user in table]
        self.levels = [sorted({v for provider in user for v in provider}) for user in self.values]
        self.level = [
            [[levels.index(v) for v in provider] for provider in user]
            for user, levels in zip(self.values, self.levels)
        ]
        self.vectors = [
            [[tuple(dict.fromkeys(r.payoffs)) for r in provider] for provider in user] for user in table
        ]
        m = self.m
        self.best = [
            [[tuple(max(v[d] for v in r.payoffs) for d in range(m)) for r in pr] for pr in user]
            for user in table
        ]
        self.worst = [
            [[tuple(min(v[d] for v in r.payoffs) for d in range(m)) for r in pr] for pr in user]
            for user in table
        ]
        self.canonical = [[[r.canonical for r in pr] for pr in user] for user in table]
        # The largest payoff j can get from user u, and from everybody: the big-M constants.
        self.top = [
            [max((v[j] for pr in user for rule in pr for v in rule), default=ZERO) for j in range(m)]
            for user in self.vectors
        ]
        self.ceiling = [sum((t[j] for t in self.top), ZERO) for j in range(m)]
        self.counter = 0
        self.indicators: dict[tuple[int, tuple[int, ...], int], Expression] = {}
        self.x = [
            [self.variable(f"x_{j}_{r}", binary=True) for r in range(size)]
            for j, size in enumerate(self.sizes)
        ]
        for xs in self.x:
            _add(problem, pulp.lpSum(xs) == 1)
        self.utility: list[Expression] = []
        self.payoff: list[Expression] = []
        self.choices: list[list[tuple[int, tuple[Fraction, ...], Expression]]] = []
        self._selections()
        self.deviation = [[_Deviation() for _ in range(size)] for size in self.sizes]
        for j in range(m):
            for u in range(self.n):
                self._deviation(u, j)
        self.regrets: dict[int, Expression] = {}

    # -- building blocks -----------------------------------------------------------------------------

    def variable(self, name: str, binary: bool = False, upper: Fraction | None = None) -> Expression:
        self.counter += 1
        return self.problem.add_variable(
            f"{self.tag}{name}_{self.counter}",
            0,
            1 if binary else (None if upper is None else float(upper)),
            cat=pulp.LpBinary if binary else pulp.LpContinuous,
        )

    def reaches(self, u: int, k: int, level: int) -> Expression:
        """1 when provider k's rule gives user u a value of at least level ``level``, else 0."""
        size = self.sizes[k]
        rules = [r for r in range(size) if self.level[u][k][r] >= level]
        if not rules:
            return 0
        if len(rules) == size:
            return 1
        if len(rules) == 1:
            return self.x[k][rules[0]]
        key = (u, (k,), level)
        if key not in self.indicators:
            # Named once and reused: an equality with the binaries keeps it 0 or 1.
            reached = self.variable(f"reach_{u}_{k}_{level}", upper=Fraction(1))
            _add(self.problem, reached == pulp.lpSum(self.x[k][r] for r in rules))
            self.indicators[key] = reached
        return self.indicators[key]

    def at_least(self, u: int, providers: Sequence[int], level: int) -> Expression:
        """1 when some provider of the set offers user u at least level ``level``, else 0 (exact)."""
        if level >= len(self.levels[u]):
            return 0
        parts = [self.reaches(u, k, level) for k in providers]
        if any(isinstance(p, int) and p == 1 for p in parts):
            return 1
        parts = [p for p in parts if not isinstance(p, int)]
        if not parts:
            return 0
        if len(parts) == 1:
            return parts[0]
        key = (u, tuple(providers), level)
        if key not in self.indicators:
            name = f"t_{u}_{'_'.join(map(str, providers))}_{level}"
            t = self.variable(name, binary=True)
            for p in parts:
                _add(self.problem, t >= p)
            _add(self.problem, t <= pulp.lpSum(parts))
            self.indicators[key] = t
        return self.indicators[key]

    # -- the users' best responses -------------------------------------------------------------------

    def _selections(self) -> None:
        problem, m = self.problem, self.m
        payoff_terms: list[list[Expression]] = [[] for _ in range(m)]
        for u in range(self.n):
            choices: list[tuple[int, tuple[Fraction, ...], Expression]] = []
            utility = []
            everyone = tuple(range(m))
            for k in range(m):
                for r in range(self.sizes[k]):
                    zs = [
                        self.variable(f"z_{u}_{k}_{r}_{law}", binary=True)
                        for law in range(len(self.vectors[u][k][r]))
                    ]
                    _add(problem, pulp.lpSum(zs) <= self.x[k][r])
                    higher = self.at_least(u, everyone, self.level[u][k][r] + 1)
                    if not isinstance(higher, int):
                        _add(problem, pulp.lpSum(zs) + higher <= 1)
                    elif higher == 1:
                        _add(problem, pulp.lpSum(zs) == 0)
                    value = float(self.values[u][k][r])
                    for z, vector in zip(zs, self.vectors[u][k][r]):
                        choices.append((k, vector, z))
                        utility.append(value * z)
                        for j in range(m):
                            if vector[j]:
                                payoff_terms[j].append(float(vector[j]) * z)
            _add(problem, pulp.lpSum(z for _, _, z in choices) == 1)
            self.choices.append(choices)
            mine = pulp.lpSum(utility)
            for k in range(m):
                offered = pulp.lpSum(float(v) * x for v, x in zip(self.values[u][k], self.x[k]) if v)
                _add(problem, mine >= offered)
            self.utility.append(mine)
        for j in range(m):
            total = self.variable(f"payoff_{j}")
            _add(problem, total == pulp.lpSum(payoff_terms[j]))
            self.payoff.append(total)

    # -- deviations ----------------------------------------------------------------------------------

    def _own(self, u: int, j: int, r: int) -> Fraction:
        """Provider j's payoff when user u takes its rule r (under the policy's ties)."""
        if self.policy is TiePolicy.FAVOURABLE:
            return self.best[u][j][r][j]
        if self.policy is TiePolicy.ADVERSARIAL:
            return self.worst[u][j][r][j]
        return self.canonical[u][j][r][j]

    def _left(self, u: int, j: int, k: int, r: int) -> Fraction:
        """j's payoff when user u leaves j for rival k's rule r (its policy's ties inside it)."""
        if self.policy is TiePolicy.FAVOURABLE:
            return self.best[u][k][r][j]
        if self.policy is TiePolicy.ADVERSARIAL:
            return self.worst[u][k][r][j]
        return self.canonical[u][k][r][j]

    def _groups(self, u: int, k: int) -> dict[int, list[int]]:
        """Provider k's rules by the value level they give user u."""
        groups: dict[int, list[int]] = {}
        for r in range(self.sizes[k]):
            groups.setdefault(self.level[u][k][r], []).append(r)
        return groups

    def _deviation(self, u: int, j: int) -> None:
        """j's payoff from user u after each deviation r' ≠ σ_j, as lower bounds (SPEC.md §4).

        ``pay ≥ own(r') · [j attracts her]`` (case 2) and ``pay ≥ q − M · [j attracts her]``
        (cases 3–4), where ``q`` is what j gets from her when it does not attract her
        (:meth:`_kept`). Adversarial ties: at a tie between j and her best rival a binary h picks
        the smaller of the two. The constraints of ``r' = σ_j`` are switched off in
        :meth:`require` (case 1).
        """
        rivals = tuple(k for k in range(self.m) if k != j)
        top = self.top[u][j]
        if top == 0:
            return
        if not rivals:
            for r in range(self.sizes[j]):
                self.deviation[j][r].constant += self._own(u, j, r)
            return
        if self.sizes[j] == 1:
            return
        problem, policy = self.problem, self.policy
        kept = self._kept(u, j, rivals)
        for deviation in range(self.sizes[j]):
            own = self._own(u, j, deviation)
            level = self.level[u][j][deviation]
            pay = self.variable(f"pay_{u}_{j}_{deviation}", upper=top)
            self.deviation[j][deviation].pays.append(pay)
            above = self.at_least(u, rivals, level + 1)
            if policy is TiePolicy.FAVOURABLE:
                # Not attracted exactly when a rival offers her more than j's new rule.
                blockers = [above]
            elif policy is TiePolicy.CANONICAL:
                # ... or as much, from a rival earlier in file order.
                earlier = tuple(k for k in rivals if k < j)
                later = tuple(k for k in rivals if k > j)
                blockers = [self.at_least(u, earlier, level), self.at_least(u, later, level + 1)]
            else:
                # Adversarial: attracted only strictly; a tie is handled below.
                blockers = [self.at_least(u, rivals, level)]
            blockers = [b for b in blockers if not (isinstance(b, int) and b == 0)]
            if own:
                _add(problem, pay >= float(own) * (1 - pulp.lpSum(blockers)))
            if policy is TiePolicy.ADVERSARIAL:
                if isinstance(above, int) and above == 1:
                    _add(problem, pay >= kept)
                elif not isinstance(above, int):
                    _add(problem, pay >= kept - float(top) * (1 - above))
                if own and blockers:
                    # At a tie (some rival reaches j's level, none exceeds it): min(own, kept).
                    h = self.variable(f"h_{u}_{j}_{deviation}", binary=True)
                    _add(problem, pay >= float(own) * (1 - h - above))
                    _add(problem, pay >= kept - float(top) * (1 - h))
                continue
            for blocker in blockers:
                if isinstance(blocker, int):
                    _add(problem, pay >= kept)
                else:
                    _add(problem, pay >= kept - float(top) * (1 - blocker))

    def _kept(self, u: int, j: int, rivals: tuple[int, ...]) -> Expression:
        """What j gets from user u when its deviation does not attract her (SPEC.md §4, cases 3–4).

        A continuous ``q`` bounded below by her current payoff to j from the rivals (case 3: she
        stays with her provider k ≠ j and keeps ``b_u``; the term is 0 when she is with j), and,
        when she is with j (``s = Σ z[u,j,·,·] = 1``), by j's payoff from her optimal rivals under
        the policy's ties (case 4). For several rivals, one bound per rival k and value level of
        k's rules, minus a big-M times "another rival beats the level" (canonical: "or an earlier
        rival reaches it"); adversarial ties take a minimum instead, binaries g choosing which
        maximal rival attains it. The smallest feasible ``q`` is exactly j's payoff from her.
        """
        problem, policy = self.problem, self.policy
        top = self.top[u][j]
        q = self.variable(f"q_{u}_{j}", upper=top)
        rival_terms = [float(vector[j]) * z for k, vector, z in self.choices[u] if k != j and vector[j]]
        if rival_terms:
            _add(problem, q >= pulp.lpSum(rival_terms))
        with_j = [z for k, _, z in self.choices[u] if k == j]
        if not with_j:
            return q
        away = 1 - pulp.lpSum(with_j)
        if len(rivals) == 1:
            # One rival: she leaves j for k's rule, whichever it is.
            (k,) = rivals
            payoffs = [self._left(u, j, k, r) for r in range(self.sizes[k])]
            big = max(payoffs)
            if big:
                offered = pulp.lpSum(float(p) * x for p, x in zip(payoffs, self.x[k]) if p)
                _add(problem, q >= offered - float(big) * away)
            return q
        choices = []
        for k in rivals:
            others = tuple(o for o in rivals if o != k)
            earlier = tuple(o for o in others if o < k)
            for level, rules in self._groups(u, k).items():
                left = {r: self._left(u, j, k, r) for r in rules}
                big = max(left.values())
                offered = pulp.lpSum(float(left[r]) * self.x[k][r] for r in rules if left[r])
                beaten = self.at_least(u, others, level + 1)
                if policy is TiePolicy.ADVERSARIAL:
                    # g: k at this level is the maximal rival whose worst payoff she takes.
                    g = self.variable(f"g_{u}_{j}_{k}_{level}", binary=True)
                    choices.append(g)
                    _add(problem, g <= pulp.lpSum(self.x[k][r] for r in rules))
                    _add(problem, g + beaten <= 1)
                    if big:
                        _add(problem, q >= offered - float(big) * (1 - g) - float(big) * away)
                    continue
                if not big:
                    continue
                blocked = beaten
                if policy is TiePolicy.CANONICAL:
                    # The first maximal rival in file order: nobody earlier reaches its level.
                    blocked = blocked + self.at_least(u, earlier, level)
                _add(problem, q >= offered - float(big) * blocked - float(big) * away)
        if choices:
            _add(problem, pulp.lpSum(choices) == 1)
        return q

    # -- equilibrium constraints and queries --------------------------------------------------------

    def deviation_expression(self, j: int, r: int) -> Expression:
        """``Dev_{j,r}``: provider j's payoff after switching to its rule r (a lower bound, exact at best)."""
        target = self.deviation[j][r]
        return pulp.lpSum(target.pays) + float(target.constant)

    def require(self, bounds: Sequence[Fraction], margin: Fraction) -> None:
        """``Dev_{j,r'} − Π_j ≤ bound_j + margin`` for every provider j and rule ``r' ≠ σ_j``.

        The constraint of r' is switched off by ``+ M · x[j,r']`` (case 1 of SPEC.md §4: keeping
        σ_j is no deviation); a provider with a single rule has none.
        """
        for j in range(self.m):
            if self.sizes[j] == 1:
                continue
            big = float(self.ceiling[j])
            for r in range(self.sizes[j]):
                _add(
                    self.problem,
                    self.deviation_expression(j, r) - self.payoff[j]
                    <= float(bounds[j] + margin) + big * self.x[j][r],
                )

    def regret(self, j: int) -> Expression:
        """``D_j − Π_j`` with ``D_j ≥ Dev_{j,r'}`` for every ``r' ≠ σ_j``: at least j's regret."""
        if j not in self.regrets:
            if self.sizes[j] == 1:
                # No deviation: the regret is Π_j − Π_j.
                self.regrets[j] = pulp.LpAffineExpression()
                return self.regrets[j]
            dev = self.variable(f"dev_{j}")
            big = float(self.ceiling[j])
            for r in range(self.sizes[j]):
                _add(self.problem, dev >= self.deviation_expression(j, r) - big * self.x[j][r])
            self.regrets[j] = dev - self.payoff[j]
        return self.regrets[j]

    def profile(self) -> Profile | None:
        """The profile the solver's binaries spell, or None when they spell none."""
        result = []
        for xs in self.x:
            values = [v.varValue or 0.0 for v in xs]
            r = max(range(len(xs)), key=values.__getitem__)
            if values[r] < 0.5:
                return None
            result.append(r)
        return tuple(result)

    def cut_terms(self, profile: Profile) -> Expression:
        return pulp.lpSum(self.x[j][r] for j, r in enumerate(profile))

    def cut(self, profile: Profile) -> None:
        """The no-good cut ``Σ_j x[j, r_j] ≤ m − 1``."""
        _add(self.problem, self.cut_terms(profile) <= self.m - 1)


def _problem(name: str) -> Any:
    return pulp.LpProblem(name, pulp.LpMinimize)


def _margin(scale: int, session: _Session) -> Fraction:
    margin = Fraction(1, 2 * scale)
    if margin < _TOLERANCE_WARNING:
        session.notes.append(
            f"the exact payoffs have common denominator {scale}: the MIP's margin 1/{2 * scale} is "
            "close to the solver's tolerances, so it may miss equilibria that exact arithmetic admits"
        )
    return margin


def solve_equilibria_mip(
    game: Game,
    delta: Fraction = ZERO,
    policy: TiePolicy = TiePolicy.FAVOURABLE,
    solver: Any = None,
    time_limit: float | None = None,
    selection_limit: int = DEFAULT_SELECTION_LIMIT,
) -> SolveResult:
    """Find every equilibrium (σ, b) of a game over its finite class with a MIP (SPEC.md §5, §9).

    The formulation is described in this module's docstring. Profiles are found one at a time,
    each cut off by a no-good cut, until the program is infeasible; every profile is re-verified
    exactly, and every reported number comes from that verification. The personalized game is
    solved through its one-user games and recombined exactly as
    :func:`solver.equilibria.enumeration.solve_equilibria` does.

    Parameters
    ----------
    game : Game
        The personalized or anonymous game.
    delta : Fraction
        δ ≥ 0 of δ-equilibrium (SPEC.md §5).
    policy : TiePolicy
        How users break ties when a deviation is evaluated (SPEC.md §4).
    solver : pulp.LpSolver, optional
        The MIP solver; CBC bundled with pulp by default.
    time_limit : float, optional
        Seconds for the whole search; when reached the result says ``complete=False``.
    selection_limit : int
        Refuse profiles with more best-response selections than this.

    Returns
    -------
    SolveResult
        With ``method="mip"``; ``exact=False`` and a note in ``notes`` whenever the solver and the
        exact verification disagreed or the solver did not prove optimality or infeasibility.
    """
    if delta < 0:
        raise ModelError(f"δ must be non-negative, got {delta}")
    delta = Fraction(delta)
    session = _Session(solver, time_limit)
    if game.mode is Mode.ANONYMOUS:
        return _solve_anonymous(game, delta, policy, session, selection_limit)
    return _solve_personalized(game, delta, policy, session, selection_limit)


def _solve_anonymous(
    game: Game, delta: Fraction, policy: TiePolicy, session: _Session, limit: int
) -> SolveResult:
    margin = _margin(RegretKernel(game, policy, delta).scale, session)
    problem = _problem("equilibria")
    model = _Model(problem, game, policy)
    model.require([delta] * model.m, margin)
    found: list[Equilibrium] = []
    for profile in _profiles(model, session):
        equilibrium = verify_profile(game, profile, delta, policy, limit)
        if equilibrium is None:
            session.disagree(f"the MIP proposed profile {profile}, which is not a δ-equilibrium")
        else:
            found.append(equilibrium)
    found.sort(key=lambda e: e.profile)
    worst, best = extremes(game, found)
    return SolveResult(
        Mode.ANONYMOUS,
        game.strategy_class,
        policy,
        delta,
        Method.MIP,
        session.exact,
        session.complete,
        tuple(found),
        len(found),
        worst,
        best,
        tuple(session.notes),
    )


def _profiles(model: _Model, session: _Session) -> list[Profile]:
    """Every profile the model admits, one solve and one no-good cut each."""
    # Any feasible point will do; aiming at the providers' total payoff steers CBC to integral
    # vertices sooner than an empty objective does.
    model.problem.setObjective(-pulp.lpSum(model.payoff))
    seen: list[Profile] = []
    while session.solve(model.problem):
        profile = model.profile()
        if profile is None or profile in seen:
            session.disagree(f"the solver returned no new profile after {len(seen)} (binaries {profile})")
            session.stop("the solver's solutions stopped being usable")
            break
        seen.append(profile)
        model.cut(profile)
    return seen


def _solve_personalized(
    game: Game, delta: Fraction, policy: TiePolicy, session: _Session, limit: int
) -> SolveResult:
    slices, kernels, delta_scaled = slice_kernels(game, policy, delta)
    m = len(game.instance.providers)
    scale = kernels[0].scale
    margin = _margin(scale, session)
    bound = [delta_scaled] * m
    candidates: list[list[Candidate]] = []
    for u, (part, kernel) in enumerate(zip(slices, kernels)):
        # Positive parts of regrets add up over users (see recombine), so a profile of one
        # user's game takes part in a whole-game equilibrium only if its own regrets are within δ.
        problem = _problem(f"candidates_{u}")
        model = _Model(problem, part, policy)
        model.require([delta] * m, margin)
        found = []
        for profile in _profiles(model, session):
            candidate = candidate_at(kernel, profile)
            if is_within(candidate, bound):
                found.append(candidate)
            else:
                session.disagree(
                    f"the MIP proposed profile {profile} for user {game.users[u]}, whose regrets "
                    f"{candidate.regrets} (scaled by {scale}) exceed δ"
                )
        candidates.append(sorted(found, key=lambda c: c.profile))
    return personalized_result(
        game,
        slices,
        kernels,
        candidates,
        delta,
        policy,
        limit,
        separable=True,
        method=Method.MIP,
        exact=session.exact,
        complete=session.complete,
        notes=tuple(session.notes),
    )


def find_extreme_equilibrium_mip(
    game: Game,
    user: int,
    sense: Sense = Sense.MINIMIZE,
    delta: Fraction = ZERO,
    policy: TiePolicy = TiePolicy.FAVOURABLE,
    solver: Any = None,
    time_limit: float | None = None,
    selection_limit: int = DEFAULT_SELECTION_LIMIT,
) -> ExtremeEquilibrium:
    """A user's worst (or best) utility over all equilibria, by optimising over the MIP (SPEC.md §9).

    The objective is her utility over the equilibrium constraints of SPEC.md §5 (in the
    personalized game, one model per user's slice joined by ``Σ_i max(regret_{j,i}, 0) ≤ δ`` for
    every provider j). The optimum is a candidate: its profile is re-verified exactly, then
    certified by asking for an equilibrium at least half a value step better for the objective and
    getting infeasibility.

    Parameters
    ----------
    game : Game
        The personalized or anonymous game.
    user : int
        Index of the user (one of ``game.users``).
    sense : Sense
        Her worst (``Sense.MINIMIZE``) or her best (``Sense.MAXIMIZE``) equilibrium; text such as
        ``"min"`` is read with ``Sense("min")``.
    delta : Fraction
        δ of δ-equilibrium.
    policy : TiePolicy
        Tie policy for deviations.
    solver : pulp.LpSolver, optional
        The MIP solver; CBC bundled with pulp by default.
    time_limit : float, optional
        Seconds for the whole search.
    selection_limit : int
        Refuse profiles with more best-response selections than this.

    Returns
    -------
    ExtremeEquilibrium
        Her exact extreme utility with an equilibrium attaining it, or None if there is none.
    """
    if not isinstance(sense, Sense):
        raise ModelError(
            f"sense must be Sense.MINIMIZE or Sense.MAXIMIZE, got {sense!r}; read text with Sense(text)"
        )
    if user not in game.users:
        raise ModelError(f"user index {user} is not one of the game's users {game.users}")
    if delta < 0:
        raise ModelError(f"δ must be non-negative, got {delta}")
    delta = Fraction(delta)
    session = _Session(solver, time_limit)
    if game.mode is Mode.ANONYMOUS:
        return _extreme_anonymous(game, user, sense, delta, policy, session, selection_limit)
    return _extreme_personalized(game, user, sense, delta, policy, session, selection_limit)


def _step(levels: Sequence[Fraction]) -> Fraction | None:
    """Half the smallest gap between distinct values of a user: the certificate's margin."""
    gaps = [b - a for a, b in itertools.pairwise(levels)]
    return min(gaps) / 2 if gaps else None


def _optimise(
    models: Sequence[_Model],
    objective: Expression,
    sense: Sense,
    levels: Sequence[Fraction],
    check: Any,
    session: _Session,
) -> tuple[Fraction | None, Any]:
    """Optimise, verify each optimum with ``check(profiles)`` and certify the last by infeasibility."""
    problem = models[0].problem
    problem.sense = pulp.LpMinimize if sense is Sense.MINIMIZE else pulp.LpMaximize
    problem.setObjective(objective)
    step = _step(levels)
    if step is not None and step < _TOLERANCE_WARNING:
        session.notes.append(
            f"the user's values differ by as little as {2 * step}: close to solver tolerances"
        )
    best: Fraction | None = None
    witness: Any = None
    seen: list[tuple[Profile, ...]] = []
    while session.solve(problem):
        profiles = tuple(model.profile() for model in models)
        if any(p is None for p in profiles) or profiles in seen:
            session.disagree(f"the solver returned no new profile (binaries {profiles})")
            session.stop("the solver's solutions stopped being usable")
            break
        chosen = tuple(p for p in profiles if p is not None)
        seen.append(chosen)
        verified = check(chosen)
        if verified is None:
            session.disagree(f"the MIP proposed {chosen}, which exact verification rejects")
            _add(
                problem,
                pulp.lpSum(model.cut_terms(p) for model, p in zip(models, chosen))
                <= sum(model.m for model in models) - 1,
            )
            continue
        value, found = verified
        if best is not None and (value >= best if sense is Sense.MINIMIZE else value <= best):
            session.disagree(f"the MIP proposed {chosen} with utility {value}, no better than {best}")
            break
        best, witness = value, found
        if step is None:
            break
        if sense is Sense.MINIMIZE:
            _add(problem, objective <= float(best - step))
        else:
            _add(problem, objective >= float(best + step))
    return best, witness


def _extreme_anonymous(
    game: Game,
    user: int,
    sense: Sense,
    delta: Fraction,
    policy: TiePolicy,
    session: _Session,
    limit: int,
) -> ExtremeEquilibrium:
    margin = _margin(RegretKernel(game, policy, delta).scale, session)
    problem = _problem("extreme")
    model = _Model(problem, game, policy)
    model.require([delta] * model.m, margin)
    position = game.users.index(user)

    def check(profiles: tuple[Profile, ...]) -> tuple[Fraction, tuple[Equilibrium, ...]] | None:
        equilibrium = verify_profile(game, profiles[0], delta, policy, limit)
        if equilibrium is None:
            return None
        return equilibrium.outcomes[position].utility, (equilibrium,)

    utility, witness = _optimise(
        [model], model.utility[position], sense, model.levels[position], check, session
    )
    return ExtremeEquilibrium(user, sense, utility, witness or (), session.exact, tuple(session.notes))


def _extreme_personalized(
    game: Game,
    user: int,
    sense: Sense,
    delta: Fraction,
    policy: TiePolicy,
    session: _Session,
    limit: int,
) -> ExtremeEquilibrium:
    slices, kernels, delta_scaled = slice_kernels(game, policy, delta)
    margin = _margin(kernels[0].scale, session)
    problem = _problem("extreme")
    models = [_Model(problem, part, policy, f"u{u}_") for u, part in enumerate(slices)]
    m = len(game.instance.providers)
    for j in range(m):
        # Provider j's whole-game regret: the positive parts of its regrets in the users' games.
        gains = []
        for model in models:
            gain = model.variable(f"gain_{j}")
            _add(problem, gain >= model.regret(j))
            gains.append(gain)
        _add(problem, pulp.lpSum(gains) <= float(delta + margin))
    position = game.users.index(user)

    def check(profiles: tuple[Profile, ...]) -> tuple[Fraction, Sequence[Equilibrium]] | None:
        candidates = [[candidate_at(s, p)] for s, p in zip(kernels, profiles)]
        _, count = recombine(candidates, delta_scaled, m, limit, separable=False)
        if count == 0:
            return None
        result = personalized_result(game, slices, kernels, candidates, delta, policy, limit, separable=False)
        return result.equilibria[position].outcomes[0].utility, result.equilibria

    utility, witness = _optimise(
        models, models[position].utility[0], sense, models[position].levels[0], check, session
    )
    return ExtremeEquilibrium(user, sense, utility, witness or (), session.exact, tuple(session.notes))
