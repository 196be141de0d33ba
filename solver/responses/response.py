"""Users' best responses (SPEC.md §3–4): exact backward induction on unnormalised masses.

For a rule run by provider c and met by user i, the value ``V_i(σ)`` is computed without any
division. Ties are explicit: the canonical selection (first maximiser in file order), the
selections favourable or adversarial to a given provider, and the full tie set.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from solver.conversation.protocol import ConversationTree, History
from solver.conversation.rules import Rule
from solver.core.errors import ClassTooLargeError, Limit, ModelError
from solver.core.model import PROVIDER_TURN, Instance, Table
from solver.core.numbers import ZERO

DEFAULT_LAW_LIMIT = 100_000


class TiePolicy(enum.Enum):
    """How a user breaks ties among her optimal choices (SPEC.md §4)."""

    CANONICAL = "canonical"
    """First maximising provider, message and action in file order."""
    FAVOURABLE = "deviator-favourable"
    """Among optimal choices, the best for a given provider (the deviator)."""
    ADVERSARIAL = "adversarial"
    """Among optimal choices, the worst for a given provider."""


@dataclass(frozen=True)
class UserStrategy:
    """A user's deterministic message and action maps ``(μ, d)``, keyed by (feature, history).

    Attributes
    ----------
    messages : tuple of ((int, History), int)
        At each user node, the index of the message she sends.
    actions : tuple of ((int, History), int)
        At each leaf, the index of the action she takes.
    """

    messages: tuple[tuple[tuple[int, History], int], ...]
    actions: tuple[tuple[tuple[int, History], int], ...]


@dataclass(frozen=True)
class Response:
    """A user's response to one rule: her value, a strategy and the law it induces.

    Attributes
    ----------
    value : Fraction
        ``V_i(σ)``, her utility under any optimal strategy.
    law : Table
        The induced distribution ``I_i(a, y)``, indexed ``[action][state]``.
    strategy : UserStrategy
        The selected optimal strategy.
    """

    value: Fraction
    law: Table
    strategy: UserStrategy


@dataclass(frozen=True)
class TieSet:
    """Every optimal choice of a user facing one rule: the product of these sets is her tie set.

    Attributes
    ----------
    messages : tuple of ((int, History), tuple of int)
        At each user node, her optimal messages.
    actions : tuple of ((int, History), tuple of int)
        At each leaf, her optimal actions.
    """

    messages: tuple[tuple[tuple[int, History], tuple[int, ...]], ...]
    actions: tuple[tuple[tuple[int, History], tuple[int, ...]], ...]


@dataclass(frozen=True)
class ProfileResponse:
    """A user's best response to a whole profile: the provider she picks and her response to it."""

    provider: int
    response: Response


def expected(law: Table, utility: Table) -> Fraction:
    """Return ``E_I[U] = Σ_{a,y} I(a, y) U(a, y)``.

    Parameters
    ----------
    law : Table
        An outcome law ``[action][state]``.
    utility : Table
        A utility table of the same shape.

    Returns
    -------
    Fraction
        The expectation.
    """
    return sum((p * u for row_p, row_u in zip(law, utility) for p, u in zip(row_p, row_u) if p), ZERO)


def provider_payoff(instance: Instance, provider: int, user: int, law: Table) -> Fraction:
    """Provider j's payoff from user i's outcome: ``λ_{j,i} E_I[U_{j,i}]`` (SPEC.md §3).

    Parameters
    ----------
    instance : Instance
        The game.
    provider, user : int
        Indices of j and i.
    law : Table
        User i's outcome law.

    Returns
    -------
    Fraction
        The payoff, whichever provider the user consulted.
    """
    stake = instance.stakes[provider][user]
    if stake.weight == 0:
        return ZERO
    return stake.weight * expected(law, stake.utility)


class _Kernel:
    """Backward induction of one user against one rule run by one provider."""

    def __init__(self, instance: Instance, user: int, provider: int, rule: Rule) -> None:
        self.instance = instance
        self.tree = ConversationTree(instance.protocol)
        signals = instance.world_signals[provider]
        if len(rule.table) != len(instance.providers[provider].signals):
            raise ModelError(
                f"the rule reads {len(rule.table)} inputs but provider {instance.providers[provider].label} "
                f"has {len(instance.providers[provider].signals)} signals; lift shared rules first"
            )
        if any(len(row) != len(self.tree.provider_nodes) for row in rule.table) or any(
            len(d) != len(instance.protocol.provider_messages) for row in rule.table for d in row
        ):
            raise ModelError("the rule does not match the protocol's provider nodes and alphabet")
        # Each world reads the row of the provider's signal there.
        self.rows = [rule.table[signals[w]] for w in range(len(instance.worlds))]
        self.node_index = self.tree.provider_node_index
        self.states = instance.world_states
        self.user = instance.users[user]
        self.n_states = len(instance.states)

    def state_masses(self, mass: Sequence[Fraction]) -> list[Fraction]:
        totals = [ZERO] * self.n_states
        for w, m in enumerate(mass):
            if m:
                totals[self.states[w]] += m
        return totals

    def children(self, history: History, mass: Sequence[Fraction]) -> list[list[Fraction]]:
        """Masses after each provider message at a provider node."""
        n = self.node_index[history]
        size = len(self.instance.protocol.provider_messages)
        result = []
        for m in range(size):
            result.append([mass[w] * self.rows[w][n][m] if mass[w] else ZERO for w in range(len(mass))])
        return result


def solve_response(
    instance: Instance,
    user: int,
    provider: int,
    rule: Rule,
    policy: TiePolicy = TiePolicy.CANONICAL,
    beneficiary: int | None = None,
) -> Response:
    """Compute user i's value of a rule and one optimal strategy, with explicit ties (SPEC.md §4).

    Parameters
    ----------
    instance : Instance
        The game.
    user : int
        Index of the user i.
    provider : int
        Index of the provider c running the rule (its signals feed the rule).
    rule : Rule
        The rule, reading provider c's signals.
    policy : TiePolicy
        Canonical, or favourable/adversarial to ``beneficiary``.
    beneficiary : int, optional
        The provider whose utility ``U_{k,i}`` breaks ties; defaults to ``provider``.

    Returns
    -------
    Response
        ``V_i(σ)``, the selected optimal strategy and its law ``I_i(a, y)``.
    """
    kernel = _Kernel(instance, user, provider, rule)
    tree = kernel.tree
    u = instance.users[user]
    k = provider if beneficiary is None else beneficiary
    secondary = instance.stakes[k][user].utility
    sign = {TiePolicy.CANONICAL: 0, TiePolicy.FAVOURABLE: 1, TiePolicy.ADVERSARIAL: -1}[policy]
    n_actions, n_states = len(u.actions), len(instance.states)
    messages: list[tuple[tuple[int, History], int]] = []
    actions: list[tuple[tuple[int, History], int]] = []

    def walk(
        x: int, history: History, mass: list[Fraction]
    ) -> tuple[Fraction, Fraction, dict[tuple[int, int], Fraction]]:
        t = len(history)
        if t == tree.length:
            masses = kernel.state_masses(mass)
            best: tuple[tuple[Fraction, Fraction], int, Fraction, Fraction] | None = None
            for a in range(n_actions):
                value = sum((masses[y] * u.utility[a][y] for y in range(n_states) if masses[y]), ZERO)
                side = sum((masses[y] * secondary[a][y] for y in range(n_states) if masses[y]), ZERO)
                leaf_key = (value, sign * side)
                if best is None or leaf_key > best[0]:
                    best = (leaf_key, a, value, side)
            assert best is not None
            _, a, value, side = best
            actions.append(((x, history), a))
            return value, side, {(a, y): masses[y] for y in range(n_states) if masses[y]}
        if instance.protocol.turns[t] == PROVIDER_TURN:
            total, total_side = ZERO, ZERO
            law: dict[tuple[int, int], Fraction] = {}
            for m, child in enumerate(kernel.children(history, mass)):
                value, side, part = walk(x, (*history, m), child)
                total += value
                total_side += side
                for cell, p in part.items():
                    law[cell] = law.get(cell, ZERO) + p
            return total, total_side, law
        best_result = None
        best_key = None
        best_message = 0
        for m in range(len(instance.protocol.user_messages)):
            result = walk(x, (*history, m), mass)
            message_key = (result[0], sign * result[1])
            if best_key is None or message_key > best_key:
                best_key, best_result, best_message = message_key, result, m
        assert best_result is not None
        messages.append(((x, history), best_message))
        return best_result

    value = ZERO
    law_totals: dict[tuple[int, int], Fraction] = {}
    for x, prior in enumerate(instance.joint_prior(user)):
        v, _, part = walk(x, (), list(prior))
        value += v
        for key, p in part.items():
            law_totals[key] = law_totals.get(key, ZERO) + p
    law = tuple(tuple(law_totals.get((a, y), ZERO) for y in range(n_states)) for a in range(n_actions))
    # Every (feature, history) node is visited exactly once, so the choices form a strategy.
    strategy = UserStrategy(tuple(sorted(messages)), tuple(sorted(actions)))
    return Response(value, law, strategy)


def user_value(instance: Instance, user: int, provider: int, rule: Rule) -> Fraction:
    """Return ``V_i(σ)`` for a rule run by a provider (SPEC.md §4).

    Parameters
    ----------
    instance : Instance
        The game.
    user, provider : int
        Indices of the user and of the provider running the rule.
    rule : Rule
        The rule.

    Returns
    -------
    Fraction
        The user's optimal expected utility.
    """
    return solve_response(instance, user, provider, rule).value


def find_tie_set(instance: Instance, user: int, provider: int, rule: Rule) -> TieSet:
    """Return every optimal message and action of user i against a rule, node by node.

    Parameters
    ----------
    instance : Instance
        The game.
    user, provider : int
        Indices of the user and of the provider running the rule.
    rule : Rule
        The rule.

    Returns
    -------
    TieSet
        At each (feature, node) the set of optimal choices; every combination is a best response.
    """
    kernel = _Kernel(instance, user, provider, rule)
    tree = kernel.tree
    u = instance.users[user]
    messages: dict[tuple[int, History], tuple[int, ...]] = {}
    actions: dict[tuple[int, History], tuple[int, ...]] = {}

    def walk(x: int, history: History, mass: list[Fraction]) -> Fraction:
        t = len(history)
        if t == tree.length:
            masses = kernel.state_masses(mass)
            values = [
                sum((masses[y] * row[y] for y in range(len(masses)) if masses[y]), ZERO) for row in u.utility
            ]
            top = max(values)
            actions[(x, history)] = tuple(a for a, v in enumerate(values) if v == top)
            return top
        if instance.protocol.turns[t] == PROVIDER_TURN:
            return sum(
                (walk(x, (*history, m), child) for m, child in enumerate(kernel.children(history, mass))),
                ZERO,
            )
        values = [walk(x, (*history, m), mass) for m in range(len(instance.protocol.user_messages))]
        top = max(values)
        messages[(x, history)] = tuple(m for m, v in enumerate(values) if v == top)
        return top

    for x, prior in enumerate(instance.joint_prior(user)):
        walk(x, (), list(prior))
    return TieSet(tuple(sorted(messages.items())), tuple(sorted(actions.items())))


def find_optimal_laws(
    instance: Instance, user: int, provider: int, rule: Rule, limit: int = DEFAULT_LAW_LIMIT
) -> frozenset[Table]:
    """Return every outcome law ``I_i`` that some best response of user i to a rule induces.

    Parameters
    ----------
    instance : Instance
        The game.
    user, provider : int
        Indices of the user and of the provider running the rule.
    rule : Rule
        The rule.
    limit : int
        Refuse when an intermediate set of laws grows beyond this size.

    Returns
    -------
    frozenset of Table
        The distinct laws over the tie set (one law when the best response is unique in outcome).
    """
    kernel = _Kernel(instance, user, provider, rule)
    tree = kernel.tree
    u = instance.users[user]
    n_actions, n_states = len(u.actions), len(instance.states)
    size = n_actions * n_states
    zero_law = (ZERO,) * size

    def add(left: set[tuple[Fraction, ...]], right: set[tuple[Fraction, ...]]) -> set[tuple[Fraction, ...]]:
        result = {tuple(p + q for p, q in zip(a, b)) for a in left for b in right}
        if len(result) > limit:
            raise ClassTooLargeError(
                f"the set of optimal outcome laws of user {u.label}", len(result), limit, Limit.LAW
            )
        return result

    def walk(x: int, history: History, mass: list[Fraction]) -> tuple[Fraction, set[tuple[Fraction, ...]]]:
        t = len(history)
        if t == tree.length:
            masses = kernel.state_masses(mass)
            values = [
                sum((masses[y] * row[y] for y in range(n_states) if masses[y]), ZERO) for row in u.utility
            ]
            top = max(values)
            laws = set()
            for a, v in enumerate(values):
                if v == top:
                    law = list(zero_law)
                    for y in range(n_states):
                        law[a * n_states + y] = masses[y]
                    laws.add(tuple(law))
            return top, laws
        if instance.protocol.turns[t] == PROVIDER_TURN:
            total, laws = ZERO, {zero_law}
            for m, child in enumerate(kernel.children(history, mass)):
                value, part = walk(x, (*history, m), child)
                total += value
                laws = add(laws, part)
            return total, laws
        results = [walk(x, (*history, m), mass) for m in range(len(instance.protocol.user_messages))]
        top = max(r[0] for r in results)
        return top, set().union(*(r[1] for r in results if r[0] == top))

    laws: set[tuple[Fraction, ...]] = {zero_law}
    for x, prior in enumerate(instance.joint_prior(user)):
        laws = add(laws, walk(x, (), list(prior))[1])
    return frozenset(
        tuple(tuple(law[a * n_states : (a + 1) * n_states]) for a in range(n_actions)) for law in laws
    )


def respond_to_profile(
    instance: Instance,
    user: int,
    rules: Sequence[Rule],
    policy: TiePolicy = TiePolicy.CANONICAL,
    deviator: int | None = None,
) -> ProfileResponse:
    """User i's best response to a profile: the provider she picks and how she converses with it.

    Parameters
    ----------
    instance : Instance
        The game.
    user : int
        Index of user i.
    rules : sequence of Rule
        The rule each provider offers her, in provider order.
    policy : TiePolicy
        ``CANONICAL``: first maximising provider and canonical strategy. ``FAVOURABLE``: the deviator
        if it is among her maximising providers, with her optimal strategy best for it; otherwise
        the maximising provider and strategy best for the deviator (strong Stackelberg ties).
        ``ADVERSARIAL``: among all optimal choices, the worst for the deviator.
    deviator : int, optional
        The provider the tie policy favours or opposes (required unless canonical).

    Returns
    -------
    ProfileResponse
        The chosen provider and the response.
    """
    if len(rules) != len(instance.providers):
        raise ModelError(
            f"a profile needs one rule per provider ({len(instance.providers)}), got {len(rules)}"
        )
    if policy is TiePolicy.CANONICAL:
        values = [user_value(instance, user, j, r) for j, r in enumerate(rules)]
        best = values.index(max(values))
        return ProfileResponse(best, solve_response(instance, user, best, rules[best]))
    if deviator is None:
        raise ModelError(f"tie policy {policy.value} needs the deviating provider")
    responses = [solve_response(instance, user, j, r, policy, deviator) for j, r in enumerate(rules)]
    top = max(r.value for r in responses)
    optimal = [j for j, r in enumerate(responses) if r.value == top]
    if policy is TiePolicy.FAVOURABLE and deviator in optimal:
        return ProfileResponse(deviator, responses[deviator])
    sign = 1 if policy is TiePolicy.FAVOURABLE else -1
    utility = instance.stakes[deviator][user].utility
    chosen = max(optimal, key=lambda j: (sign * expected(responses[j].law, utility), -j))
    return ProfileResponse(chosen, responses[chosen])


def deviation_payoff_from_user(
    instance: Instance,
    user: int,
    rules: Sequence[Rule],
    deviator: int,
    provider: int,
    kept: Fraction,
    policy: TiePolicy = TiePolicy.FAVOURABLE,
) -> Fraction:
    """Provider j's payoff from user i after j changes the rule it offers her (SPEC.md §4, cases 2–4).

    Case 1 (j's offer to her unchanged: she keeps ``b_i``) is the caller's; this is for a changed
    offer. Let ``top`` be her best value from the providers other than j.

    - Case 2, j attracts her: deviator-favourable ties, when j's value is at least ``top``;
      canonical ties, when it is above ``top`` or equal to it with j before every optimal rival in
      file order; adversarial ties, when it is above ``top``. She takes j's rule, with the policy's
      ties inside it.
    - Case 3, not attracted and her provider k in ``b`` is not j: she stays with k and keeps
      ``b_i``, so j gets ``kept``, its payoff from her equilibrium law.
    - Case 4, not attracted and she was with j: she re-chooses among her optimal other providers
      with the policy's ties (best for j, first in file order, worst for j).

    With adversarial ties, a tie between j and ``top`` gives the smaller of j's payoff if she takes
    j's rule and the payoff of cases 3–4.

    Parameters
    ----------
    instance : Instance
        The game.
    user : int
        Index of user i.
    rules : sequence of Rule
        The rule each provider offers her after the deviation.
    deviator : int
        The deviating provider j.
    provider : int
        Her provider k in the equilibrium selection ``b_i``.
    kept : Fraction
        j's payoff from her under ``b_i`` (used when k is not j).
    policy : TiePolicy
        How ties are broken where she re-chooses.

    Returns
    -------
    Fraction
        ``λ_{j,i} E[U_{j,i}]`` under her reaction.
    """
    if len(rules) != len(instance.providers):
        raise ModelError(
            f"a profile needs one rule per provider ({len(instance.providers)}), got {len(rules)}"
        )
    j = deviator
    own = solve_response(instance, user, j, rules[j], policy, j)
    own_payoff = provider_payoff(instance, j, user, own.law)
    rivals = [k for k in range(len(rules)) if k != j]
    if not rivals:
        return own_payoff
    responses = {k: solve_response(instance, user, k, rules[k], policy, j) for k in rivals}
    top = max(r.value for r in responses.values())
    optimal = [k for k in rivals if responses[k].value == top]
    if own.value > top:
        return own_payoff
    if own.value == top and (
        policy is TiePolicy.FAVOURABLE or (policy is TiePolicy.CANONICAL and j < optimal[0])
    ):
        return own_payoff
    if provider != j:
        if provider not in optimal:
            raise ModelError("her equilibrium provider must stay optimal when another provider deviates")
        fallback = kept
    else:
        payoffs = [provider_payoff(instance, j, user, responses[k].law) for k in optimal]
        if policy is TiePolicy.FAVOURABLE:
            fallback = max(payoffs)
        elif policy is TiePolicy.ADVERSARIAL:
            fallback = min(payoffs)
        else:
            fallback = payoffs[0]
    if own.value == top and policy is TiePolicy.ADVERSARIAL:
        return min(own_payoff, fallback)
    return fallback
