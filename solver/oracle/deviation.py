"""The deviation oracle over ``full`` (SPEC.md §9): a provider's best mixed deviation, exactly.

For protocols with one provider turn (any user turns before it), fix every user's choices —
whether she consults the deviator, what she reports for each feature, and which action she takes
after each message — and provider j's payoff is linear in its mixed rule, subject to linear
obedience, truthful-reporting and participation constraints: a linear program, certified exactly
(:mod:`solver.lp`). The supremum over all mixed rules, with deviator-favourable ties (SPEC.md §4),
is the largest optimum over all choices. Enumerating the choices makes it exact on small
instances; above a limit on their number, the mixed-integer program of :mod:`solver.oracle.mip`
picks the choices, and the result, the certified optimum of that one combination's program (or the
exact payoff of the solver's own rule, if larger), is labelled "certified candidate, not certified
optimal": exactly a value the exhaustive oracle would have maximised over, so at most the supremum.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import NoReturn

from solver.conversation.protocol import ConversationTree
from solver.conversation.rules import Rule
from solver.core.errors import ClassTooLargeError, Limit, ModelError
from solver.core.model import Instance
from solver.core.numbers import ONE, ZERO
from solver.equilibria.games import respond_to_rule
from solver.lp import LinearProgram, LPSolution, LPStatus, solve_lp
from solver.oracle.problem import (
    DEFAULT_CHOICE_LIMIT,
    DEFAULT_MIP_TIME_LIMIT,
    DeviationContext,
    OracleMethod,
    OracleOptions,
    UserChoice,
)
from solver.responses.response import deviation_payoff_from_user

Row = tuple[tuple[int, Fraction], ...]

Identity = tuple[str, tuple[int, ...]]
"""A variable or row of a deviation program: its kind and the indices that pick it out.

Variables are ``("sigma", (s, h, m))`` for ``σ(m | s, h)``, ``("z", (i, x, h, m))`` and ``("v", (i,
x))``; rows are listed in :data:`ROW_FIELDS`. Indices are positions in the instance (user i, her
feature x and action a, the deviator's signal s, provider node h, provider message m), so two
different variables or rows never share an identity, whatever their labels.
"""

VARIABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "sigma": ("signal", "history", "message"),
    "z": ("user", "feature", "history", "message"),
    "v": ("user", "feature"),
}
"""What each index of a variable's identity is, by kind."""

ROW_FIELDS: dict[str, tuple[str, ...]] = {
    "max": ("user", "feature", "history", "message", "action"),
    "value": ("user", "feature", "history"),
    "stays": ("user",),
    "obey": ("user", "feature", "message", "action"),
    "report": ("user", "feature", "history"),
    "participates": ("user",),
    "simplex": ("signal", "history"),
}
"""What each index of a row's identity is, by kind: ``max`` (``z ≥`` her value of an action after a
message), ``value`` (her value after a report), ``stays`` (the deviator's rule is worth no more to a
user who stays elsewhere), ``obey`` (the chosen action is optimal), ``report`` (no other report does
better), ``participates`` (consulting the deviator is worth her best other provider) and
``simplex`` (a distribution over messages sums to 1). Only ``simplex`` rows are equalities."""


def identity_labels(
    instance: Instance, provider: int, identity: Identity, tree: ConversationTree | None = None
) -> dict[str, str | list[str]]:
    """The labels of a variable's or row's identity, field by field (histories as label lists).

    Parameters
    ----------
    instance : Instance
        The game.
    provider : int
        The deviator j (whose signals ``signal`` indexes).
    identity : Identity
        A variable or row of j's deviation program.
    tree : ConversationTree, optional
        The protocol's tree (built when not given).

    Returns
    -------
    dict
        ``{field: label}`` in the order of :data:`ROW_FIELDS` or :data:`VARIABLE_FIELDS`; a
        ``history`` is the list of the message labels spoken before the provider node.
    """
    kind, indices = identity
    fields = ROW_FIELDS[kind] if kind in ROW_FIELDS else VARIABLE_FIELDS[kind]
    tree = tree or ConversationTree(instance.protocol)
    values = dict(zip(fields, indices))
    user = instance.users[values["user"]] if "user" in values else None
    labels: dict[str, str | list[str]] = {}
    for field, k in values.items():
        if field == "user":
            labels[field] = instance.users[k].label
        elif field == "feature":
            assert user is not None
            labels[field] = user.features[k]
        elif field == "action":
            assert user is not None
            labels[field] = user.actions[k]
        elif field == "signal":
            labels[field] = instance.providers[provider].signals[k]
        elif field == "history":
            labels[field] = tree.labels(tree.provider_nodes[k])
        else:
            labels[field] = instance.protocol.provider_messages[k]
    return labels


def spell_identity(
    instance: Instance, provider: int, identity: Identity, tree: ConversationTree | None = None
) -> str:
    """A variable or row named for people, e.g. ``obey(user='judge', feature='default', ...)``.

    Every label is quoted (``repr``), so the name also tells different identities apart.

    Parameters
    ----------
    instance : Instance
        The game.
    provider : int
        The deviator j.
    identity : Identity
        A variable or row of j's deviation program.
    tree : ConversationTree, optional
        The protocol's tree (built when not given).

    Returns
    -------
    str
        The kind, then each field and its label.
    """
    fields = identity_labels(instance, provider, identity, tree)
    return f"{identity[0]}({', '.join(f'{k}={v!r}' for k, v in fields.items())})"


@dataclass(frozen=True)
class DeviationProgram:
    """The linear program of one combination of choices, and the constant payoff of the others.

    Attributes
    ----------
    choices : tuple of UserChoice
        The users' choices the program fixes.
    program : LinearProgram
        The program; its names spell :attr:`variables` and :attr:`rows` for messages.
    constant : Fraction
        The deviator's payoff from the users who stay elsewhere.
    variables : tuple of Identity
        The identity of each variable, in column order.
    rows : tuple of Identity
        The identity of each row: the upper rows, then the equal rows.
    """

    choices: tuple[UserChoice, ...]
    program: LinearProgram
    constant: Fraction
    variables: tuple[Identity, ...] = ()
    rows: tuple[Identity, ...] = ()


class DeviationStatus(enum.Enum):
    """How far a :class:`DeviationBound` is certified; each value is its text, as printed and in JSON.

    ``DeviationStatus("certified exact")`` reads the text; any other text is refused with a
    :class:`ModelError` that names the allowed ones.
    """

    CERTIFIED_EXACT = "certified exact"
    """The exact supremum: every combination of choices solved, every linear program certified."""
    CANDIDATE = "certified candidate, not certified optimal"
    """From the MIP: an exact lower bound on the supremum, which may be higher."""
    NOT_CERTIFIED = "NOT certified"
    """Some linear program could not be certified exactly."""

    @classmethod
    def _missing_(cls, value: object) -> NoReturn:
        allowed = ", ".join(repr(member.value) for member in cls)
        raise ModelError(f"unknown deviation bound status {value!r}; use one of {allowed}")


@dataclass(frozen=True)
class DeviationBound:
    """Provider j's supremum payoff over all mixed rules, with the others' rules fixed.

    Attributes
    ----------
    provider : int
        The deviator j.
    value : Fraction
        The supremum (deviator-favourable ties) when ``certified``; otherwise the best value found,
        which ``candidate_certified`` says is at most the supremum, exactly.
    rule : Rule
        A mixed rule attaining ``value`` (for j's signals).
    choices : tuple of UserChoice or None
        The users' choices under that rule (None when ``value`` comes from evaluating the MIP's own
        rule rather than from a linear program).
    certified : bool
        Whether ``value`` is the exact supremum: every combination of choices was solved
        (``exhaustive``) and every linear program was certified exactly.
    solutions : tuple of (DeviationProgram, LPSolution)
        For every combination of choices solved: its program and the program's solution.
    exhaustive : bool
        Whether every combination of the users' choices was solved (else the MIP chose one).
    candidate_certified : bool
        Whether ``value`` is certified exactly as one of the values the supremum is taken over: the
        certified optimum of one combination's linear program, or the exact payoff of an explicit
        rule (users answering as in SPEC.md §4). Then ``value`` is an exact lower bound on the
        supremum, and ``rule`` attains it or, where the program's optimum sits on a user's
        indifference to staying elsewhere, approaches it.
    estimate : Fraction or None
        The MIP solver's objective value, rationalised: a floating-point estimate of the supremum,
        never certified (None for the exhaustive oracle).
    notes : tuple of str
        What the MIP path did, for the record.
    """

    provider: int
    value: Fraction
    rule: Rule
    choices: tuple[UserChoice, ...] | None
    certified: bool
    solutions: tuple[tuple[DeviationProgram, LPSolution], ...]
    exhaustive: bool = True
    candidate_certified: bool = True
    estimate: Fraction | None = None
    notes: tuple[str, ...] = ()

    @property
    def status(self) -> DeviationStatus:
        """How far ``value`` is certified: exact, a certified MIP candidate, or not certified."""
        if self.certified:
            return DeviationStatus.CERTIFIED_EXACT
        if not self.exhaustive and self.candidate_certified:
            return DeviationStatus.CANDIDATE
        return DeviationStatus.NOT_CERTIFIED


def _term(
    context: DeviationContext, weights: list[list[list[Fraction]]], x: int, h: int, m: int, a: int
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
    context = DeviationContext(instance, provider)
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
    context = DeviationContext(instance, provider)
    total = 1
    for i in users:
        features = len(instance.users[i].features)
        actions = len(instance.users[i].actions)
        total *= int(has_rivals) + (context.nodes * actions**context.messages) ** features
    return total


def _report_value(
    context: DeviationContext,
    weights: list[list[list[Fraction]]],
    user: int,
    x: int,
    h: int,
    new_variable: Callable[[Identity], int],
    upper: list[tuple[dict[int, Fraction], Fraction, Identity]],
) -> dict[int, Fraction]:
    """``Σ_m z`` with rows ``z ≥ W(x, h, m, a)`` for every action: her best value after report h."""
    total: dict[int, Fraction] = {}
    for m in range(context.messages):
        z = new_variable(("z", (user, x, h, m)))
        total[z] = ONE
        for a in range(len(context.instance.users[user].actions)):
            row = _term(context, weights, x, h, m, a)
            row[z] = row.get(z, ZERO) - ONE
            upper.append((row, ZERO, ("max", (user, x, h, m, a))))
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
        With variables and rows named by :func:`spell_identity`.
    """
    return _build_program(instance, provider, choices, outside)[0]


def _build_program(
    instance: Instance,
    provider: int,
    choices: Sequence[UserChoice],
    outside: Sequence[Fraction | None],
) -> tuple[LinearProgram, tuple[Identity, ...], tuple[Identity, ...]]:
    """The program of :func:`build_program`, with the identity of every variable and row."""
    context = DeviationContext(instance, provider)
    variables: list[Identity] = [
        ("sigma", (s, h, m))
        for s in range(context.signals)
        for h in range(context.nodes)
        for m in range(context.messages)
    ]
    objective: dict[int, Fraction] = {}
    upper: list[tuple[dict[int, Fraction], Fraction, Identity]] = []

    def new_variable(identity: Identity) -> int:
        variables.append(identity)
        return len(variables) - 1

    for choice, best_other in zip(choices, outside):
        i = choice.user
        user = instance.users[i]
        u = context.weights(i, user.utility)
        stake = instance.stakes[provider][i]
        paid = context.weights(i, stake.utility)
        n_actions = len(user.actions)

        if not choice.consults:
            if best_other is None:
                raise ModelError(f"user {user.label} has no other provider to stay with")
            total: dict[int, Fraction] = {}
            for x in range(len(user.features)):
                value = new_variable(("v", (i, x)))
                total[value] = ONE
                for h in range(context.nodes):
                    maxima = _report_value(context, u, i, x, h, new_variable, upper)
                    maxima[value] = -ONE
                    upper.append((maxima, ZERO, ("value", (i, x, h))))
            upper.append((total, best_other, ("stays", (i,))))
            continue
        offered: dict[int, Fraction] = {}
        for x in range(len(user.features)):
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
                        upper.append((row, ZERO, ("obey", (i, x, m, a))))
            for h in range(context.nodes):
                if h == r:
                    continue
                row_total = _report_value(context, u, i, x, h, new_variable, upper)
                _add(row_total, chosen, -ONE)
                upper.append((row_total, ZERO, ("report", (i, x, h))))
            _add(offered, chosen)
        if best_other is not None:
            upper.append(({k: -v for k, v in offered.items()}, -best_other, ("participates", (i,))))
    equal = []
    for s in range(context.signals):
        for h in range(context.nodes):
            row = {context.sigma(s, h, m): ONE for m in range(context.messages)}
            equal.append((row, ONE, ("simplex", (s, h))))
    n = len(variables)
    rows = tuple(identity for _, _, identity in upper) + tuple(identity for _, _, identity in equal)

    def sparse(row: dict[int, Fraction]) -> Row:
        return tuple(sorted((k, v) for k, v in row.items() if v))

    program = LinearProgram(
        objective=tuple(objective.get(k, ZERO) for k in range(n)),
        upper_rows=tuple(sparse(r) for r, _, _ in upper),
        upper_rhs=tuple(b for _, b, _ in upper),
        equal_rows=tuple(sparse(r) for r, _, _ in equal),
        equal_rhs=tuple(b for _, b, _ in equal),
        variable_names=tuple(spell_identity(instance, provider, v, context.tree) for v in variables),
        row_names=tuple(spell_identity(instance, provider, r, context.tree) for r in rows),
    )
    return program, tuple(variables), rows


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


def _may_stay(instance: Instance, users: Sequence[int], outside: Sequence[Fraction | None]) -> list[bool]:
    """Whether each user can stay elsewhere under some rule of j.

    On a tie she picks the deviator (SPEC.md §4), so she stays only when j's rule is worth strictly
    less to her than her best other provider. Some rule of j is, exactly when her best other value
    beats acting on her prior and feature alone; then the closure ``V ≤ o`` of the strict
    constraint is the LP row, and its optimum is the supremum.
    """
    return [o is not None and o > _no_information_value(instance, i) for i, o in zip(users, outside)]


@dataclass(frozen=True)
class _Outside:
    """What the users' other providers offer at a profile: computed once per deviation."""

    values: list[Fraction | None]
    staying: list[Fraction]
    may_stay: list[bool]

    @staticmethod
    def of(
        instance: Instance,
        provider: int,
        users: Sequence[int],
        rules: Sequence[Sequence[Rule]],
        selection: Sequence[tuple[int, Fraction]] | None = None,
    ) -> _Outside:
        values, staying = outside_options(instance, provider, users, rules)
        if selection is not None:
            # Case 3 of SPEC.md §4: with her provider k ≠ j unchanged, she keeps b_i there.
            staying = [kept if k != provider else s for (k, kept), s in zip(selection, staying)]
        return _Outside(values, staying, _may_stay(instance, users, values))


def program_count(
    instance: Instance, provider: int, users: Sequence[int], rules: Sequence[Sequence[Rule]]
) -> int:
    """How many linear programs the exhaustive oracle solves for provider j at a profile.

    Like :func:`count_choices`, but staying elsewhere is counted only for the users some rule of j
    can leave worse off than their best other provider (the others always consult j).

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

    Returns
    -------
    int
        The number of programs; the oracle's ``limit`` is compared with it.
    """
    return _program_count(instance, provider, users, _Outside.of(instance, provider, users, rules).may_stay)


def _program_count(instance: Instance, provider: int, users: Sequence[int], may_stay: Sequence[bool]) -> int:
    total = 1
    for i, stays in zip(users, may_stay):
        total *= count_choices(instance, provider, (i,), stays)
    return total


def deviation_programs(
    instance: Instance,
    provider: int,
    users: Sequence[int],
    rules: Sequence[Sequence[Rule]],
    limit: int = DEFAULT_CHOICE_LIMIT,
) -> Iterator[DeviationProgram]:
    """Every linear program of provider j's deviation, one per combination of the users' choices.

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

    Raises
    ------
    ClassTooLargeError
        With the number of combinations, when it exceeds ``limit``.
    """
    yield from _programs(instance, provider, users, _Outside.of(instance, provider, users, rules), limit)


def _programs(
    instance: Instance, provider: int, users: Sequence[int], outside: _Outside, limit: int
) -> Iterator[DeviationProgram]:
    count = _program_count(instance, provider, users, outside.may_stay)
    if count > limit:
        raise ClassTooLargeError(
            f"the users' choice combinations against provider {instance.providers[provider].label}",
            count,
            limit,
            Limit.CHOICE,
        )
    has_rivals = len(instance.providers) > 1
    per_user = [
        [c for c in user_choices(instance, provider, i, has_rivals) if c.consults or outside.may_stay[u]]
        for u, i in enumerate(users)
    ]
    for combination in itertools.product(*per_user):
        yield _program(instance, provider, combination, outside.values, outside.staying)


def _program(
    instance: Instance,
    provider: int,
    choices: Sequence[UserChoice],
    outside: Sequence[Fraction | None],
    staying: Sequence[Fraction],
) -> DeviationProgram:
    constant = sum((staying[u] for u, c in enumerate(choices) if not c.consults), ZERO)
    program, variables, rows = _build_program(instance, provider, choices, outside)
    return DeviationProgram(tuple(choices), program, constant, variables, rows)


def _rule_of(context: DeviationContext, solution: LPSolution) -> Rule:
    """The σ columns of an optimal solution, as a rule."""
    return context.rule(lambda s, h, m: solution.primal[context.sigma(s, h, m)])


def deviation_payoff(
    instance: Instance,
    provider: int,
    users: Sequence[int],
    rules: Sequence[Sequence[Rule]],
    rule: Rule,
    selection: Sequence[tuple[int, Fraction]] | None = None,
) -> Fraction:
    """Provider j's exact payoff from a deviating rule, users answering as in SPEC.md §4.

    Each user reacts as :func:`solver.responses.response.deviation_payoff_from_user` says with
    deviator-favourable ties: on a tie between providers she picks j, and with j she breaks her own
    ties in j's favour; if j does not attract her and her provider in the equilibrium selection is
    not j, she keeps her equilibrium strategy there (case 3).

    Parameters
    ----------
    instance : Instance
        The game.
    provider : int
        The deviator j.
    users : sequence of int
        The users.
    rules : sequence of sequence of Rule
        ``rules[u][k]``: the rule provider k offers the u-th user (j's own is replaced).
    rule : Rule
        j's deviating rule.
    selection : sequence of (int, Fraction), optional
        Per user, her provider in the equilibrium selection b and j's payoff from her under b
        (default: every user was with j, so a user j does not attract re-chooses: case 4).

    Returns
    -------
    Fraction
        j's payoff, summed over the users.
    """
    total = ZERO
    for u, i in enumerate(users):
        profile = list(rules[u])
        profile[provider] = rule
        k, kept = (provider, ZERO) if selection is None else selection[u]
        total += deviation_payoff_from_user(instance, i, profile, provider, k, kept)
    return total


def solve_deviation(
    instance: Instance,
    provider: int,
    users: Sequence[int],
    rules: Sequence[Sequence[Rule]],
    limit: int = DEFAULT_CHOICE_LIMIT,
    *,
    method: OracleMethod = OracleMethod.AUTO,
    time_limit: float | None = DEFAULT_MIP_TIME_LIMIT,
    selection: Sequence[tuple[int, Fraction]] | None = None,
) -> DeviationBound:
    """Provider j's supremum payoff over all mixed rules, the others' rules fixed (SPEC.md §9).

    A user who stays with another provider adds a constant that depends on the equilibrium
    selection b (SPEC.md §4): j's payoff from her under b when her provider there is not j (case 3),
    the best for j among her optimal other providers when she was with j (case 4).

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
        The largest number of linear programs solved one by one.
    method : OracleMethod
        ``EXHAUSTIVE`` solves every combination of the users' choices (refused above ``limit``);
        ``MIP`` asks the mixed-integer program of :mod:`solver.oracle.mip` for the choices and
        certifies that candidate; ``AUTO`` is exhaustive up to ``limit`` and the MIP above it.
    time_limit : float or None
        Seconds the MIP solver may spend.
    selection : sequence of (int, Fraction), optional
        Per user, her provider in the equilibrium selection b and j's payoff from her under b
        (default: every user was with j).

    Returns
    -------
    DeviationBound
        Exhaustive: the exact supremum (when every LP is certified), a rule attaining it, and every
        LP's certificate. MIP: an exact lower bound on the supremum and its rule, labelled "certified
        candidate, not certified optimal", with the solver's estimate of the supremum.

    Raises
    ------
    ClassTooLargeError
        With ``OracleMethod.EXHAUSTIVE``, when there are more combinations than ``limit``.
    """
    OracleOptions(limit, method, time_limit)  # validates them
    outside = _Outside.of(instance, provider, users, rules, selection)
    if method is OracleMethod.AUTO:
        small = _program_count(instance, provider, users, outside.may_stay) <= limit
        method = OracleMethod.EXHAUSTIVE if small else OracleMethod.MIP
    if method is OracleMethod.MIP:
        return _solve_by_mip(instance, provider, users, rules, outside, time_limit, selection)
    context = DeviationContext(instance, provider)
    best: tuple[Fraction, DeviationProgram, LPSolution] | None = None
    solutions = []
    certified = True
    for program in _programs(instance, provider, users, outside, limit):
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
    return DeviationBound(
        provider,
        value,
        _rule_of(context, solution),
        program.choices,
        certified,
        tuple(solutions),
        candidate_certified=solution.certified,
    )


def _solve_by_mip(
    instance: Instance,
    provider: int,
    users: Sequence[int],
    rules: Sequence[Sequence[Rule]],
    outside: _Outside,
    time_limit: float | None,
    selection: Sequence[tuple[int, Fraction]] | None,
) -> DeviationBound:
    """The MIP's candidate, made exact: the LP of its choices, and its own rule evaluated exactly."""
    context = DeviationContext(instance, provider)
    from solver.oracle.mip import solve_deviation_mip  # pulp is imported only when a MIP is solved

    candidate = solve_deviation_mip(
        instance, provider, users, outside.values, outside.staying, outside.may_stay, time_limit
    )
    notes = [
        f"MIP with {candidate.variables} variables ({candidate.binaries} binary): solver status "
        f"{candidate.status} after {candidate.seconds:.1f} s"
    ]
    solutions: list[tuple[DeviationProgram, LPSolution]] = []
    # Every option is certified exactly: (value, rule, choices). The uninformative rule is always a
    # valid deviation, so there is at least one.
    uninformative = context.rule(lambda s, h, m: ONE if m == 0 else ZERO)
    options: list[tuple[Fraction, Rule, tuple[UserChoice, ...] | None]] = [
        (deviation_payoff(instance, provider, users, rules, uninformative, selection), uninformative, None)
    ]
    if candidate.rule is not None:
        value = deviation_payoff(instance, provider, users, rules, candidate.rule, selection)
        options.append((value, candidate.rule, None))
    if candidate.choices is not None:
        program = _program(instance, provider, candidate.choices, outside.values, outside.staying)
        solution = solve_lp(program.program)
        solutions.append((program, solution))
        if solution.status is LPStatus.OPTIMAL and solution.value is not None and solution.certified:
            options.append((solution.value + program.constant, _rule_of(context, solution), program.choices))
        elif solution.status is LPStatus.OPTIMAL:
            notes.append(
                "the linear program of the solver's choices could not be certified exactly and is left "
                "out; the solver's own rule, evaluated exactly, is used instead"
            )
        else:
            notes.append(
                f"the linear program of the solver's choices is {solution.status.value} in exact "
                "arithmetic; the solver's own rule, evaluated exactly, is used instead"
            )
    else:
        notes.append("the solver returned no solution; the uninformative rule is the candidate")
    value, rule, choices = max(options, key=lambda o: (o[0], o[2] is not None))
    return DeviationBound(
        provider,
        value,
        rule,
        choices,
        False,
        tuple(solutions),
        exhaustive=False,
        candidate_certified=True,
        estimate=candidate.objective,
        notes=tuple(notes),
    )


def solve_commitment(
    instance: Instance,
    users: Sequence[int] | None = None,
    limit: int = DEFAULT_CHOICE_LIMIT,
    *,
    method: OracleMethod = OracleMethod.AUTO,
    time_limit: float | None = DEFAULT_MIP_TIME_LIMIT,
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
        The largest number of linear programs solved one by one.
    method : OracleMethod
        As in :func:`solve_deviation`.
    time_limit : float or None
        Seconds the MIP solver may spend.

    Returns
    -------
    DeviationBound
        The optimal payoff and an optimal mixed rule (a certified candidate above ``limit``).
    """
    if len(instance.providers) != 1:
        raise ModelError("an optimal commitment is defined here for a single provider; use solve_deviation")
    users = tuple(range(len(instance.users))) if users is None else tuple(users)
    # The deviator's own current rule is never read: any placeholder stands for it.
    placeholder = Rule(((),))
    return solve_deviation(
        instance, 0, users, [[placeholder] for _ in users], limit, method=method, time_limit=time_limit
    )


__all__ = [
    "DEFAULT_CHOICE_LIMIT",
    "DEFAULT_MIP_TIME_LIMIT",
    "ROW_FIELDS",
    "VARIABLE_FIELDS",
    "DeviationBound",
    "DeviationProgram",
    "DeviationStatus",
    "Identity",
    "OracleMethod",
    "OracleOptions",
    "build_program",
    "count_choices",
    "deviation_payoff",
    "deviation_programs",
    "identity_labels",
    "outside_options",
    "program_count",
    "solve_commitment",
    "solve_deviation",
    "spell_identity",
    "user_choices",
]
