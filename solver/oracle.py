"""The deviation oracle over ``full`` (SPEC.md §9): a provider's best mixed deviation, exactly.

For protocols with one provider turn (any user turns before it), fix every user's choices —
whether she consults the deviator, what she reports for each feature, and which action she takes
after each message — and provider j's payoff is linear in its mixed rule, subject to linear
obedience, truthful-reporting and participation constraints: a linear program, certified exactly
(:mod:`solver.lp`). The supremum over all mixed rules, with deviator-favourable ties (SPEC.md §4),
is the largest optimum over all choices. Enumerating the choices makes it exact on small
instances; larger ones are refused with the count unless the caller raises the limit.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

from solver.errors import ClassTooLargeError, ModelError
from solver.games import respond_to_rule
from solver.lp import LinearProgram, LPSolution, LPStatus, solve_lp
from solver.model import PROVIDER_TURN, USER_TURN, Instance, User
from solver.numbers import ONE, ZERO
from solver.protocol import ConversationTree
from solver.rules import Rule

DEFAULT_CHOICE_LIMIT = 20_000

Row = tuple[tuple[int, Fraction], ...]


@dataclass(frozen=True)
class UserChoice:
    """A user's choices against the deviator's rule, fixed in one linear program.

    Attributes
    ----------
    user : int
        Her index.
    consults : bool
        Whether she consults the deviator (else she stays with her best other provider).
    reports : tuple of int
        For each of her features, the provider node (her report history) she creates.
    actions : tuple of tuple of int
        For each feature and each provider message, her action.
    """

    user: int
    consults: bool
    reports: tuple[int, ...] = ()
    actions: tuple[tuple[int, ...], ...] = ()

    def describe(self, instance: Instance, tree: ConversationTree) -> str:
        """One readable line, e.g. ``judge: consults; m1→acquit, m2→convict``."""
        user = instance.users[self.user]
        if not self.consults:
            return f"{user.label}: stays with another provider"
        parts = []
        for x, feature in enumerate(user.features):
            report = tree.spell(tree.provider_nodes[self.reports[x]])
            acts = ", ".join(
                f"{message}→{user.actions[a]}"
                for message, a in zip(instance.protocol.provider_messages, self.actions[x])
            )
            where = "" if len(user.features) == 1 else f"{feature}: "
            says = "" if report == "∅" else f"reports {report}; "
            parts.append(f"{where}{says}{acts}")
        return f"{user.label}: consults; " + " | ".join(parts)


@dataclass(frozen=True)
class DeviationProgram:
    """The linear program of one combination of choices, and the constant payoff of the others."""

    choices: tuple[UserChoice, ...]
    program: LinearProgram
    constant: Fraction


@dataclass(frozen=True)
class DeviationBound:
    """Provider j's supremum payoff over all mixed rules, with the others' rules fixed.

    Attributes
    ----------
    provider : int
        The deviator j.
    value : Fraction
        The supremum (deviator-favourable ties).
    rule : Rule
        A mixed rule attaining it (for j's signals).
    choices : tuple of UserChoice
        The users' choices under that rule.
    certified : bool
        Whether every linear program was certified exactly (so ``value`` is exact).
    solutions : tuple of (DeviationProgram, LPSolution)
        For every combination of choices: its program and the program's certified solution.
    """

    provider: int
    value: Fraction
    rule: Rule
    choices: tuple[UserChoice, ...]
    certified: bool
    solutions: tuple[tuple[DeviationProgram, LPSolution], ...]


class _Context:
    """Coefficients of one deviation problem."""

    def __init__(self, instance: Instance, provider: int) -> None:
        turns = instance.protocol.turns
        if turns.count(PROVIDER_TURN) != 1 or turns[-1] != PROVIDER_TURN:
            raise ModelError(
                "the deviation oracle needs a protocol with one provider turn, last, after any user "
                f"turns (got {list(turns)}); use grid(q) classes for other protocols"
            )
        if any(t != USER_TURN for t in turns[:-1]):
            raise ModelError("the deviation oracle needs user turns only before the provider turn")
        self.instance = instance
        self.provider = provider
        self.tree = ConversationTree(instance.protocol)
        self.signals = len(instance.providers[provider].signals)
        self.nodes = len(self.tree.provider_nodes)
        self.messages = len(instance.protocol.provider_messages)

    def sigma(self, s: int, h: int, m: int) -> int:
        """Column of σ(m | s, h)."""
        return (s * self.nodes + h) * self.messages + m

    def sigma_count(self) -> int:
        return self.signals * self.nodes * self.messages

    def weights(self, user: int, utility: Sequence[Sequence[Fraction]]) -> list[list[list[Fraction]]]:
        """``w[x][s][a] = Σ_{ω: x_j(ω) = s} π_i(x, ω) · utility(a, y(ω))``."""
        instance = self.instance
        signal_of = instance.world_signals[self.provider]
        states = instance.world_states
        actions = len(instance.users[user].actions)
        result = []
        for prior in instance.joint_prior(user):
            table = [[ZERO] * actions for _ in range(self.signals)]
            for w, p in enumerate(prior):
                if p:
                    for a in range(actions):
                        table[signal_of[w]][a] += p * utility[a][states[w]]
            result.append(table)
        return result


def _term(
    context: _Context, weights: list[list[list[Fraction]]], x: int, h: int, m: int, a: int
) -> dict[int, Fraction]:
    """The linear form ``W(x, h, m, a) = Σ_s σ(m | s, h) w[x][s][a]``."""
    return {context.sigma(s, h, m): weights[x][s][a] for s in range(context.signals) if weights[x][s][a]}


def _add(target: dict[int, Fraction], form: dict[int, Fraction], factor: Fraction = ONE) -> None:
    for k, v in form.items():
        target[k] = target.get(k, ZERO) + factor * v


def user_choices(instance: Instance, provider: int, user: int, has_rivals: bool) -> Iterator[UserChoice]:
    """Every combination of choices of one user against the deviator (SPEC.md §9).

    Parameters
    ----------
    instance : Instance
        The game.
    provider : int
        The deviator.
    user : int
        The user.
    has_rivals : bool
        Whether she may stay with another provider.

    Yields
    ------
    UserChoice
        Staying elsewhere first (when possible), then every report and action map.
    """
    context = _Context(instance, provider)
    features = len(instance.users[user].features)
    actions = len(instance.users[user].actions)
    if has_rivals:
        yield UserChoice(user, False)
    for reports in itertools.product(range(context.nodes), repeat=features):
        per_feature = list(itertools.product(range(actions), repeat=context.messages))
        for maps in itertools.product(per_feature, repeat=features):
            yield UserChoice(user, True, reports, tuple(maps))


def count_choices(instance: Instance, provider: int, users: Sequence[int], has_rivals: bool) -> int:
    """Number of linear programs the exhaustive oracle solves.

    Parameters
    ----------
    instance : Instance
        The game.
    provider : int
        The deviator.
    users : sequence of int
        The users whose choices are combined.
    has_rivals : bool
        Whether users may stay with another provider.

    Returns
    -------
    int
        The product over users of their numbers of choices.
    """
    context = _Context(instance, provider)
    total = 1
    for i in users:
        features = len(instance.users[i].features)
        actions = len(instance.users[i].actions)
        total *= int(has_rivals) + (context.nodes * actions**context.messages) ** features
    return total


def _report_value(
    context: _Context,
    weights: list[list[list[Fraction]]],
    user: User,
    x: int,
    h: int,
    new_variable: Callable[[str], int],
    upper: list[tuple[dict[int, Fraction], Fraction, str]],
) -> dict[int, Fraction]:
    """``Σ_m z`` with rows ``z ≥ W(x, h, m, a)`` for every action: her best value after report h."""
    tree = context.tree
    messages = context.instance.protocol.provider_messages
    feature = user.features[x]
    node = tree.spell(tree.provider_nodes[h])
    total: dict[int, Fraction] = {}
    for m in range(context.messages):
        z = new_variable(f"z[{user.label}][{feature}][{node}][{messages[m]}]")
        total[z] = ONE
        for a in range(len(user.actions)):
            row = _term(context, weights, x, h, m, a)
            row[z] = row.get(z, ZERO) - ONE
            upper.append((row, ZERO, f"max|{user.label}|{feature}|{node}|{messages[m]}|{user.actions[a]}"))
    return total


def build_program(
    instance: Instance,
    provider: int,
    choices: Sequence[UserChoice],
    outside: Sequence[Fraction | None],
) -> LinearProgram:
    """The linear program of provider j's deviation for fixed user choices (SPEC.md §9).

    Variables: ``σ(m | s, h)`` for every signal s of j, provider node h and message m, then
    auxiliary maxima ``z`` and values ``v``. Rows: obedience (each chosen action is optimal after
    each message), truthful reporting (no other report does better, through ``z ≥ W`` for every
    action), participation (consulting j is worth at least the best other provider), and, for a user
    who stays elsewhere, that j's rule is worth no more to her than that provider. Objective: j's
    payoff from the users who consult it.

    Parameters
    ----------
    instance : Instance
        The game.
    provider : int
        The deviator j.
    choices : sequence of UserChoice
        One per user of the game.
    outside : sequence of Fraction or None
        Each user's best value from the other providers (None when j is the only provider).

    Returns
    -------
    LinearProgram
        With named variables and rows.
    """
    context = _Context(instance, provider)
    tree = context.tree
    messages = instance.protocol.provider_messages
    signals = instance.providers[provider].signals
    names = [
        f"sigma[{signals[s]}][{tree.spell(tree.provider_nodes[h])}][{messages[m]}]"
        for s in range(context.signals)
        for h in range(context.nodes)
        for m in range(context.messages)
    ]
    objective: dict[int, Fraction] = {}
    upper: list[tuple[dict[int, Fraction], Fraction, str]] = []

    def new_variable(name: str) -> int:
        names.append(name)
        return len(names) - 1

    for choice, best_other in zip(choices, outside):
        i = choice.user
        user = instance.users[i]
        label = user.label
        u = context.weights(i, user.utility)
        stake = instance.stakes[provider][i]
        paid = context.weights(i, stake.utility)
        n_actions = len(user.actions)

        if not choice.consults:
            if best_other is None:
                raise ModelError(f"user {label} has no other provider to stay with")
            total: dict[int, Fraction] = {}
            for x in range(len(user.features)):
                value = new_variable(f"v[{label}][{user.features[x]}]")
                total[value] = ONE
                for h in range(context.nodes):
                    maxima = _report_value(context, u, user, x, h, new_variable, upper)
                    maxima[value] = -ONE
                    node = tree.spell(tree.provider_nodes[h])
                    upper.append((maxima, ZERO, f"value|{label}|{user.features[x]}|{node}"))
            upper.append((total, best_other, f"stays|{label}"))
            continue
        offered: dict[int, Fraction] = {}
        for x in range(len(user.features)):
            feature = user.features[x]
            r = choice.reports[x]
            chosen: dict[int, Fraction] = {}
            for m in range(context.messages):
                d = choice.actions[x][m]
                _add(chosen, _term(context, u, x, r, m, d))
                _add(objective, _term(context, paid, x, r, m, d), stake.weight)
                for a in range(n_actions):
                    if a != d:
                        row = _term(context, u, x, r, m, a)
                        _add(row, _term(context, u, x, r, m, d), -ONE)
                        upper.append((row, ZERO, f"obey|{label}|{feature}|{messages[m]}|{user.actions[a]}"))
            for h in range(context.nodes):
                if h == r:
                    continue
                row_total = _report_value(context, u, user, x, h, new_variable, upper)
                _add(row_total, chosen, -ONE)
                upper.append(
                    (row_total, ZERO, f"report|{label}|{feature}|{tree.spell(tree.provider_nodes[h])}")
                )
            _add(offered, chosen)
        if best_other is not None:
            upper.append(({k: -v for k, v in offered.items()}, -best_other, f"participates|{label}"))
    equal = []
    for s in range(context.signals):
        for h in range(context.nodes):
            row = {context.sigma(s, h, m): ONE for m in range(context.messages)}
            equal.append((row, ONE, f"simplex|{signals[s]}|{tree.spell(tree.provider_nodes[h])}"))
    n = len(names)

    def sparse(row: dict[int, Fraction]) -> Row:
        return tuple(sorted((k, v) for k, v in row.items() if v))

    return LinearProgram(
        objective=tuple(objective.get(k, ZERO) for k in range(n)),
        upper_rows=tuple(sparse(r) for r, _, _ in upper),
        upper_rhs=tuple(b for _, b, _ in upper),
        equal_rows=tuple(sparse(r) for r, _, _ in equal),
        equal_rhs=tuple(b for _, b, _ in equal),
        variable_names=tuple(names),
        row_names=tuple(name for _, _, name in upper) + tuple(name for _, _, name in equal),
    )


def outside_options(
    instance: Instance, provider: int, users: Sequence[int], rules: Sequence[Sequence[Rule]]
) -> tuple[list[Fraction | None], list[Fraction]]:
    """Each user's best value from the providers other than j, and j's payoff if she stays there.

    When she stays, she picks among her maximising other providers the outcome best for j (the
    strong-Stackelberg reading of SPEC.md §4, as in the finite engines).

    Parameters
    ----------
    instance : Instance
        The game.
    provider : int
        The deviator j.
    users : sequence of int
        The users.
    rules : sequence of sequence of Rule
        ``rules[u][k]``: the rule provider k offers the u-th user.

    Returns
    -------
    tuple
        Per user, the best other value (None without rivals), and j's payoff when she stays.
    """
    values: list[Fraction | None] = []
    payoffs: list[Fraction] = []
    for u, i in enumerate(users):
        responses = {
            k: respond_to_rule(instance, i, k, rules[u][k])
            for k in range(len(instance.providers))
            if k != provider
        }
        if not responses:
            values.append(None)
            payoffs.append(ZERO)
            continue
        top = max(r.value for r in responses.values())
        values.append(top)
        payoffs.append(max(r.best_for(provider) for r in responses.values() if r.value == top))
    return values, payoffs


def _no_information_value(instance: Instance, user: int) -> Fraction:
    """The least value any rule can give her: acting on her prior and feature alone."""
    states = instance.world_states
    total = ZERO
    for prior in instance.joint_prior(user):
        total += max(
            sum((p * row[states[w]] for w, p in enumerate(prior)), ZERO)
            for row in instance.users[user].utility
        )
    return total


def deviation_programs(
    instance: Instance,
    provider: int,
    users: Sequence[int],
    rules: Sequence[Sequence[Rule]],
    limit: int = DEFAULT_CHOICE_LIMIT,
) -> Iterator[DeviationProgram]:
    """Every linear program of provider j's deviation, one per combination of the users' choices.

    A user may stay elsewhere only when some rule of j is strictly worse for her than her best other
    provider, i.e. when that provider beats acting on her prior: then the closure of the strict
    constraint is the LP row, and its optimum is the supremum.

    Parameters
    ----------
    instance : Instance
        The game.
    provider : int
        The deviator j.
    users : sequence of int
        The users of the game (all users, or one in a personalized slice).
    rules : sequence of sequence of Rule
        ``rules[u][k]``: the rule provider k offers the u-th user (j's own is ignored).
    limit : int
        Refuse when there are more combinations than this.

    Yields
    ------
    DeviationProgram
        The programs.
    """
    has_rivals = len(instance.providers) > 1
    count = count_choices(instance, provider, users, has_rivals)
    if count > limit:
        raise ClassTooLargeError(
            f"the users' choice combinations against provider {instance.providers[provider].label}",
            count,
            limit,
        )
    outside, staying = outside_options(instance, provider, users, rules)
    per_user = []
    for u, i in enumerate(users):
        best_other = outside[u]
        allowed = best_other is not None and best_other > _no_information_value(instance, i)
        per_user.append([c for c in user_choices(instance, provider, i, has_rivals) if c.consults or allowed])
    for combination in itertools.product(*per_user):
        constant = sum((staying[u] for u, c in enumerate(combination) if not c.consults), ZERO)
        yield DeviationProgram(
            tuple(combination), build_program(instance, provider, combination, outside), constant
        )


def solve_deviation(
    instance: Instance,
    provider: int,
    users: Sequence[int],
    rules: Sequence[Sequence[Rule]],
    limit: int = DEFAULT_CHOICE_LIMIT,
) -> DeviationBound:
    """Provider j's supremum payoff over all mixed rules, the others' rules fixed (SPEC.md §9).

    Parameters
    ----------
    instance : Instance
        The game.
    provider : int
        The deviator j.
    users : sequence of int
        The users of the game.
    rules : sequence of sequence of Rule
        ``rules[u][k]``: the rule provider k offers the u-th user.
    limit : int
        The largest number of linear programs accepted.

    Returns
    -------
    DeviationBound
        The exact supremum (when every LP is certified), a rule attaining it, and every LP's
        certificate.
    """
    context = _Context(instance, provider)
    best: tuple[Fraction, DeviationProgram, LPSolution] | None = None
    solutions = []
    certified = True
    for program in deviation_programs(instance, provider, users, rules, limit):
        solution = solve_lp(program.program)
        certified = certified and solution.certified
        solutions.append((program, solution))
        if solution.status is LPStatus.UNBOUNDED:
            raise AssertionError("a deviation program over probability simplices cannot be unbounded")
        if solution.status is LPStatus.OPTIMAL:
            assert solution.value is not None
            value = solution.value + program.constant
            if best is None or value > best[0]:
                best = (value, program, solution)
    if best is None:
        raise AssertionError("the uninformative rule is always feasible for some choice combination")
    value, program, solution = best
    table = tuple(
        tuple(
            tuple(solution.primal[context.sigma(s, h, m)] for m in range(context.messages))
            for h in range(context.nodes)
        )
        for s in range(context.signals)
    )
    return DeviationBound(provider, value, Rule(table), program.choices, certified, tuple(solutions))


def solve_commitment(
    instance: Instance, users: Sequence[int] | None = None, limit: int = DEFAULT_CHOICE_LIMIT
) -> DeviationBound:
    """A single provider's optimal commitment over all mixed rules: the persuasion optimum.

    Parameters
    ----------
    instance : Instance
        A game with one provider.
    users : sequence of int, optional
        The users the rule is offered to (default: all, the anonymous game; one user for a
        personalized game's slice).
    limit : int
        The largest number of linear programs accepted.

    Returns
    -------
    DeviationBound
        The optimal payoff and an optimal mixed rule.
    """
    if len(instance.providers) != 1:
        raise ModelError("an optimal commitment is defined here for a single provider; use solve_deviation")
    users = tuple(range(len(instance.users))) if users is None else tuple(users)
    # The deviator's own current rule is never read: any placeholder stands for it.
    placeholder = Rule(((),))
    return solve_deviation(instance, 0, users, [[placeholder] for _ in users], limit)
