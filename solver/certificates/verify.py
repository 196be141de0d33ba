"""The independent verifier of equilibrium certificates (SPEC.md §9).

It recomputes everything from the instance embedded in a certificate and the certificate alone:
the users' values and responses, the payoffs, and, for every combination of the users' choices
against every deviator, the deviation linear program, whose bound it checks with the certificate's
dual (weak duality) or Farkas multipliers. It imports none of the search engines (enumeration, MIP,
oracle, LP solver): its own arithmetic is plain :class:`fractions.Fraction`.

Inside, every variable and row of a deviation program is an index tuple (its kind and the positions
of its user, feature, signal, provider node, message and action in the instance): labels name them
only in messages to people, so no choice of labels can make two variables or rows one. A
certificate writes each history as a list of message labels and each multiplier with its row's kind
and labels in separate fields, and is read back into the same index tuples.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from solver.core.documents import load_document
from solver.core.errors import InstanceError, PluralisError
from solver.core.model import PROVIDER_TURN, USER_TURN, Instance
from solver.core.numbers import ONE, ZERO, parse_number
from solver.core.serialization import content_hash, instance_from_dict

CERTIFICATE_VERSION = 2
"""The one certificate format this verifier reads."""

Identity = tuple[str, tuple[int, ...]]
"""A variable or row of a deviation program: its kind and the indices that pick it out."""

Form = dict[Identity, Fraction]
"""A linear form over variables."""

_VARIABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "sigma": ("signal", "history", "message"),
    "z": ("user", "feature", "history", "message"),
    "v": ("user", "feature"),
}
"""What each index of a variable is: σ(m | s, h), her best value z after a message, her value v."""

_ROW_FIELDS: dict[str, tuple[str, ...]] = {
    "max": ("user", "feature", "history", "message", "action"),
    "value": ("user", "feature", "history"),
    "stays": ("user",),
    "obey": ("user", "feature", "message", "action"),
    "report": ("user", "feature", "history"),
    "participates": ("user",),
    "simplex": ("signal", "history"),
}
"""What each index of a row is, by kind; ``simplex`` rows are equalities, the others ≤ rows."""

_EQUAL_ROWS = frozenset({"simplex"})

_KEYS = (
    "certificate_version",
    "kind",
    "class",
    "tie_policy",
    "delta",
    "users",
    "instance_hash",
    "instance",
    "rules",
    "responses",
    "payoffs",
    "deviations",
)


class CertificateError(PluralisError, ValueError):
    """A certificate file is malformed: it cannot even be checked.

    Parameters
    ----------
    place : str
        Where the defect is.
    problem : str
        What is wrong.
    """

    def __init__(self, place: str, problem: str) -> None:
        self.place = place
        super().__init__(f"{place}: {problem}" if place else problem)


ANONYMOUS = "anonymous game"
SLICE = "one user's slice of the personalized game"
COMMITMENT = "a single provider's commitment"


@dataclass(frozen=True)
class Subject:
    """What a certificate is about, as the verifier read it.

    Attributes
    ----------
    kind : str
        The certificate's kind (``equilibrium``).
    mode : str
        :data:`ANONYMOUS` (every user, several providers), :data:`SLICE` (one user of several,
        several providers) or :data:`COMMITMENT` (one provider).
    class_name : str
        The strategy class the equilibrium is certified in (``full``).
    delta : Fraction
        δ.
    users : tuple of str
        The users of the game certified.
    all_users : bool
        Whether those are all the instance's users.
    providers : tuple of str
        The instance's providers.
    title : str
        The embedded instance's title.
    instance_hash : str
        The SHA-256 of the embedded instance, recomputed.
    """

    kind: str
    mode: str
    class_name: str
    delta: Fraction
    users: tuple[str, ...]
    all_users: bool
    providers: tuple[str, ...]
    title: str
    instance_hash: str

    def describe(self) -> str:
        """One line for people, e.g. ``equilibrium in full, anonymous game over users judge, δ = 0,
        "Prosecutor and judge" (sha256 1a2b3c4d5e6f…)``.

        Returns
        -------
        str
            Kind, class, mode (with the provider of a commitment and, when it is offered to some
            users only, that it is a slice), users, δ, title and the start of the hash.
        """
        who = f"{'user' if len(self.users) == 1 else 'users'} {', '.join(self.users)}"
        if self.mode == COMMITMENT:
            mode = f"{COMMITMENT} ({self.providers[0]}) to {who}"
            if not self.all_users:
                mode += f", {SLICE}"
        else:
            mode = f"{self.mode} over {who}"
        title = f'"{self.title}"' if self.title else "an untitled instance"
        return (
            f"{self.kind} in {self.class_name}, {mode}, δ = {self.delta}, {title} "
            f"(sha256 {self.instance_hash[:12]}…)"
        )


@dataclass(frozen=True)
class Verification:
    """The verdict on a certificate.

    Attributes
    ----------
    valid : bool
        Whether every inequality of the certificate holds exactly.
    reasons : tuple of str
        For an invalid certificate, each failing check, naming its inequality.
    checked_programs : int
        Number of deviation programs whose bound was checked.
    subject : Subject or None
        What the certificate is about (None only for a verdict built by hand).
    """

    valid: bool
    reasons: tuple[str, ...]
    checked_programs: int
    subject: Subject | None = None

    def describe(self) -> str:
        """The verdict in one line for people: ``valid — WHAT, N deviation programs checked`` or
        ``INVALID — claims WHAT`` (the reasons are in :attr:`reasons`).

        Returns
        -------
        str
            The line, without the file name.
        """
        what = "" if self.subject is None else self.subject.describe()
        if self.valid:
            checked = f"{self.checked_programs} deviation programs checked"
            return f"valid — {what}, {checked}" if what else f"valid — {checked}"
        return f"INVALID — claims {what}" if what else "INVALID"


def _get(mapping: Any, key: str, place: str) -> Any:
    if not isinstance(mapping, Mapping):
        raise CertificateError(place, "must be a mapping")
    if key not in mapping:
        raise CertificateError(f"{place}.{key}" if place else key, "required field is missing")
    return mapping[key]


def _number(value: Any, place: str) -> Fraction:
    try:
        return parse_number(value, place)
    except InstanceError as error:
        raise CertificateError(place, error.problem) from None


def _label(value: Any, known: tuple[str, ...], place: str) -> int:
    if not isinstance(value, str) or value not in known:
        raise CertificateError(place, f"unknown label {value!r}; expected one of {', '.join(known)}")
    return known.index(value)


def _fields(document: Any, required: tuple[str, ...], place: str, optional: tuple[str, ...] = ()) -> None:
    """A mapping with every required field and no field outside ``required`` and ``optional``."""
    if not isinstance(document, Mapping):
        raise CertificateError(place, f"must be a mapping with the keys {', '.join(required)}")
    for key in document:
        if key not in required and key not in optional:
            raise CertificateError(
                f"{place}.{key}", f"unknown key; allowed: {', '.join((*required, *optional))}"
            )
    for key in required:
        _get(document, key, place)


def _list(value: Any, place: str, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise CertificateError(place, f"must be a list of {what}")
    return value


class _Game:
    """The instance's arithmetic for protocols ``U … U P``, written afresh from SPEC.md §1–4."""

    def __init__(self, instance: Instance) -> None:
        turns = instance.protocol.turns
        if (
            turns.count(PROVIDER_TURN) != 1
            or turns[-1] != PROVIDER_TURN
            or any(t != USER_TURN for t in turns[:-1])
        ):
            raise CertificateError("instance.protocol.turns", "certificates cover protocols U … U P only")
        self.instance = instance
        self.reports = [
            tuple(h)
            for h in itertools.product(*(range(len(instance.protocol.user_messages)) for _ in turns[:-1]))
        ]
        self.messages = instance.protocol.provider_messages
        self.alphabets = [instance.protocol.user_messages if t == USER_TURN else self.messages for t in turns]

    def labels(self, history: tuple[int, ...]) -> list[str]:
        """A history as the list of its message labels, as certificates write it."""
        return [self.alphabets[t][m] for t, m in enumerate(history)]

    def show(self, history: tuple[int, ...]) -> str:
        """A history for people: its labels, quoted, in brackets (``[]`` when empty)."""
        return repr(self.labels(history))

    def history(self, value: Any, lengths: range, place: str) -> tuple[int, ...]:
        """Read a history written as a list of message labels, of one of the given lengths."""
        if not isinstance(value, list):
            raise CertificateError(place, "a history must be a list of message labels (empty at the start)")
        if len(value) not in lengths:
            raise CertificateError(
                place,
                f"a history of {len(value)} messages; expected "
                + (f"{lengths.start}" if len(lengths) == 1 else f"{lengths.start} to {lengths.stop - 1}"),
            )
        return tuple(_label(label, self.alphabets[t], f"{place}[{t}]") for t, label in enumerate(value))

    def node(self, value: Any, place: str) -> int:
        """The provider node (its index among :attr:`reports`) a history written in a file names."""
        length = len(self.alphabets) - 1
        return self.reports.index(self.history(value, range(length, length + 1), place))

    def spell_identity(self, provider: int, identity: Identity) -> str:
        """A variable or row for people: its kind and each field's label, quoted."""
        kind, indices = identity
        fields = _ROW_FIELDS.get(kind) or _VARIABLE_FIELDS[kind]
        values = dict(zip(fields, indices))
        user = self.instance.users[values["user"]] if "user" in values else None
        parts = []
        for field, k in values.items():
            if field == "history":
                parts.append(f"history={self.show(self.reports[k])}")
                continue
            if field == "user":
                label = self.instance.users[k].label
            elif field == "signal":
                label = self.instance.providers[provider].signals[k]
            elif field == "message":
                label = self.messages[k]
            else:
                assert user is not None
                label = (user.features if field == "feature" else user.actions)[k]
            parts.append(f"{field}={label!r}")
        return f"{kind}({', '.join(parts)})"

    def mass(self, user: int, x: int, w: int) -> Fraction:
        instance = self.instance
        kernel = instance.users[user].feature_kernel
        return instance.worlds[w].prob * (ONE if kernel is None else kernel[w][x])

    def state(self, w: int) -> int:
        return self.instance.states.index(self.instance.worlds[w].state)

    def signal(self, provider: int, w: int) -> int:
        return self.instance.providers[provider].signals.index(self.instance.worlds[w].signals[provider])

    def score(
        self,
        user: int,
        provider: int,
        rule: list[list[list[Fraction]]],
        x: int,
        h: int,
        m: int,
        table: tuple[tuple[Fraction, ...], ...],
        a: int,
    ) -> Fraction:
        """``Σ_ω π_i(x, ω) σ(m | x_j(ω), h) table(a, y(ω))``."""
        return sum(
            (
                self.mass(user, x, w) * rule[self.signal(provider, w)][h][m] * table[a][self.state(w)]
                for w in range(len(self.instance.worlds))
            ),
            ZERO,
        )

    def value(self, user: int, provider: int, rule: list[list[list[Fraction]]]) -> Fraction:
        """``V_i(σ) = Σ_x max_h Σ_m max_a score``."""
        u = self.instance.users[user]
        return sum(
            (
                max(
                    sum(
                        (
                            max(
                                self.score(user, provider, rule, x, h, m, u.utility, a)
                                for a in range(len(u.actions))
                            )
                            for m in range(len(self.messages))
                        ),
                        ZERO,
                    )
                    for h in range(len(self.reports))
                )
                for x in range(len(u.features))
            ),
            ZERO,
        )

    def favourable(
        self, user: int, provider: int, rule: list[list[list[Fraction]]], beneficiary: int
    ) -> Fraction:
        """The beneficiary's best payoff over the user's optimal strategies against a rule."""
        u = self.instance.users[user]
        paid = self.instance.stakes[beneficiary][user]
        total = ZERO
        for x in range(len(u.features)):
            best: tuple[Fraction, Fraction] | None = None
            for h in range(len(self.reports)):
                value, side = ZERO, ZERO
                for m in range(len(self.messages)):
                    options = [
                        (
                            self.score(user, provider, rule, x, h, m, u.utility, a),
                            self.score(user, provider, rule, x, h, m, paid.utility, a),
                        )
                        for a in range(len(u.actions))
                    ]
                    top = max(o[0] for o in options)
                    value += top
                    side += max(o[1] for o in options if o[0] == top)
                if best is None or (value, side) > best:
                    best = (value, side)
            assert best is not None
            total += best[1]
        return paid.weight * total

    def no_information(self, user: int) -> Fraction:
        u = self.instance.users[user]
        return sum(
            (
                max(
                    sum(
                        (
                            self.mass(user, x, w) * row[self.state(w)]
                            for w in range(len(self.instance.worlds))
                        ),
                        ZERO,
                    )
                    for row in u.utility
                )
                for x in range(len(u.features))
            ),
            ZERO,
        )


def _read_rule(
    game: _Game, j: int, document: Any, place: str
) -> tuple[list[list[list[Fraction]]], list[str]]:
    """A provider's rule: per signal, one entry ``{history, distribution}`` per provider node."""
    provider = game.instance.providers[j]
    problems = []
    table = [[[ZERO] * len(game.messages) for _ in game.reports] for _ in provider.signals]
    _fields(document, provider.signals, place)
    for s, signal in enumerate(provider.signals):
        where = f"{place}.{signal}"
        entries = _list(document[signal], where, "entries {history, distribution}, one per provider node")
        seen: dict[int, int] = {}
        for k, entry in enumerate(entries):
            at = f"{where}[{k}]"
            _fields(entry, ("history", "distribution"), at)
            h = game.node(entry["history"], f"{at}.history")
            if h in seen:
                node = game.show(game.reports[h])
                raise CertificateError(f"{at}.history", f"the node {node} has an entry already ([{seen[h]}])")
            seen[h] = k
            distribution = entry["distribution"]
            if not isinstance(distribution, Mapping):
                raise CertificateError(f"{at}.distribution", "must map messages to probabilities")
            for key, value in distribution.items():
                m = _label(key, game.messages, f"{at}.distribution.{key}")
                table[s][h][m] = _number(value, f"{at}.distribution.{key}")
            total = sum(table[s][h], ZERO)
            if total != 1 or any(p < 0 for p in table[s][h]):
                problems.append(f"{at}: the probabilities {total} do not form a distribution")
        for h, report in enumerate(game.reports):
            if h not in seen:
                raise CertificateError(where, f"no entry for the provider node {game.show(report)}")
    return table, problems


def _plan(
    game: _Game, document: Any, field: str, alphabet: tuple[str, ...], lengths: range, place: str
) -> dict[tuple[int, ...], int]:
    """One feature's part of a strategy: ``[{history: [...], FIELD: label}]`` read into a mapping."""
    plan: dict[tuple[int, ...], int] = {}
    for k, entry in enumerate(_list(document, place, f"entries {{history: [...], {field}: ...}}")):
        at = f"{place}[{k}]"
        _fields(entry, ("history", field), at)
        history = game.history(entry["history"], lengths, f"{at}.history")
        if history in plan:
            raise CertificateError(f"{at}.history", f"the history {game.show(history)} has an entry already")
        plan[history] = _label(entry[field], alphabet, f"{at}.{field}")
    return plan


def _law(
    game: _Game, user: int, provider: int, rule: list[list[list[Fraction]]], response: Any, place: str
) -> list[list[Fraction]]:
    """The outcome law of a stated strategy, by following it (SPEC.md §3)."""
    instance = game.instance
    u = instance.users[user]
    _fields(response, ("provider", "utility", "actions"), place, ("messages",))
    messages = response.get("messages", {})
    actions = response["actions"]
    turns = len(game.alphabets)
    law = [[ZERO] * len(instance.states) for _ in u.actions]
    for x, feature in enumerate(u.features):
        history: list[int] = []
        if game.reports[0]:
            where = f"{place}.messages.{feature}"
            says = _plan(
                game,
                _get(messages, feature, f"{place}.messages"),
                "message",
                instance.protocol.user_messages,
                range(turns - 1),
                where,
            )
            for _ in game.reports[0]:
                if tuple(history) not in says:
                    raise CertificateError(where, f"no message after the history {game.show(tuple(history))}")
                history.append(says[tuple(history)])
        where = f"{place}.actions.{feature}"
        acts = _plan(
            game,
            _get(actions, feature, f"{place}.actions"),
            "action",
            u.actions,
            range(turns, turns + 1),
            where,
        )
        h = game.reports.index(tuple(history))
        for m in range(len(game.messages)):
            leaf = (*history, m)
            if leaf not in acts:
                raise CertificateError(where, f"no action after the history {game.show(leaf)}")
            a = acts[leaf]
            for w in range(len(instance.worlds)):
                law[a][game.state(w)] += game.mass(user, x, w) * rule[game.signal(provider, w)][h][m]
    return law


def _expected(law: list[list[Fraction]], table: tuple[tuple[Fraction, ...], ...]) -> Fraction:
    return sum((p * table[a][y] for a, row in enumerate(law) for y, p in enumerate(row)), ZERO)


Rows = dict[Identity, tuple[Form, Fraction]]
"""The rows of a program by identity: each a linear form and its right-hand side."""


def _program(
    game: _Game, j: int, choices: dict[int, Any], outside: dict[int, Fraction | None]
) -> tuple[Form, Rows, Rows]:
    """Rebuild provider j's deviation program for stated choices: objective, ≤ rows, = rows."""
    instance = game.instance
    objective: Form = {}
    upper: Rows = {}

    def score(user: int, x: int, h: int, m: int, table: tuple[tuple[Fraction, ...], ...], a: int) -> Form:
        form: Form = {}
        for w in range(len(instance.worlds)):
            c = game.mass(user, x, w) * table[a][game.state(w)]
            if c:
                sigma: Identity = ("sigma", (game.signal(j, w), h, m))
                form[sigma] = form.get(sigma, ZERO) + c
        return form

    def plus(target: Form, form: Form, factor: Fraction = ONE) -> Form:
        for k, v in form.items():
            target[k] = target.get(k, ZERO) + factor * v
        return target

    def add(rows: Rows, identity: Identity, form: Form, rhs: Fraction) -> None:
        assert identity not in rows, identity  # every row is built once
        rows[identity] = (form, rhs)

    def maxima(i: int, x: int, h: int) -> Form:
        """``Σ_m z`` with ``z ≥`` her value of every action after message m, at report h."""
        total: Form = {}
        for m in range(len(game.messages)):
            z: Identity = ("z", (i, x, h, m))
            total[z] = ONE
            for a in range(len(instance.users[i].actions)):
                row = plus(score(i, x, h, m, instance.users[i].utility, a), {z: -ONE})
                add(upper, ("max", (i, x, h, m, a)), row, ZERO)
        return total

    for i, choice in choices.items():
        u = instance.users[i]
        if not choice["consults"]:
            total: Form = {}
            for x in range(len(u.features)):
                v: Identity = ("v", (i, x))
                total[v] = ONE
                for h in range(len(game.reports)):
                    add(upper, ("value", (i, x, h)), plus(maxima(i, x, h), {v: -ONE}), ZERO)
            best = outside[i]
            assert best is not None
            add(upper, ("stays", (i,)), total, best)
            continue
        offered: Form = {}
        for x in range(len(u.features)):
            r = choice["reports"][x]
            chosen: Form = {}
            for m in range(len(game.messages)):
                d = choice["actions"][x][m]
                plus(chosen, score(i, x, r, m, u.utility, d))
                plus(
                    objective,
                    score(i, x, r, m, instance.stakes[j][i].utility, d),
                    instance.stakes[j][i].weight,
                )
                for a in range(len(u.actions)):
                    if a != d:
                        row = plus(score(i, x, r, m, u.utility, a), score(i, x, r, m, u.utility, d), -ONE)
                        add(upper, ("obey", (i, x, m, a)), row, ZERO)
            for h in range(len(game.reports)):
                if h != r:
                    add(upper, ("report", (i, x, h)), plus(maxima(i, x, h), chosen, -ONE), ZERO)
            plus(offered, chosen)
        if outside[i] is not None:
            best = outside[i]
            assert best is not None
            add(upper, ("participates", (i,)), {k: -v for k, v in offered.items()}, -best)
    equal: Rows = {}
    for s in range(len(instance.providers[j].signals)):
        for h in range(len(game.reports)):
            simplex: Form = {("sigma", (s, h, m)): ONE for m in range(len(game.messages))}
            add(equal, ("simplex", (s, h)), simplex, ONE)
    return objective, upper, equal


def _row(game: _Game, j: int, entry: Any, place: str) -> tuple[Identity, Fraction]:
    """A multiplier and its row, named by the row's kind and the labels of its fields."""
    instance = game.instance
    kind = _get(entry, "row", place)
    if not isinstance(kind, str) or kind not in _ROW_FIELDS:
        kinds = ", ".join(_ROW_FIELDS)
        raise CertificateError(f"{place}.row", f"unknown row kind {kind!r}; expected one of {kinds}")
    fields = _ROW_FIELDS[kind]
    _fields(entry, ("row", *fields, "multiplier"), place)
    indices: list[int] = []
    user = None
    for field in fields:
        value, at = entry[field], f"{place}.{field}"
        if field == "user":
            indices.append(_label(value, instance.user_labels, at))
            user = instance.users[indices[-1]]
        elif field == "feature":
            assert user is not None
            indices.append(_label(value, user.features, at))
        elif field == "action":
            assert user is not None
            indices.append(_label(value, user.actions, at))
        elif field == "signal":
            indices.append(_label(value, instance.providers[j].signals, at))
        elif field == "message":
            indices.append(_label(value, game.messages, at))
        else:
            indices.append(game.node(value, at))
    return (kind, tuple(indices)), _number(entry["multiplier"], f"{place}.multiplier")


def _duals(game: _Game, j: int, certificate: Any, place: str) -> dict[Identity, Fraction]:
    """The certificate's multipliers by row; each row once, equality rows under ``equal``."""
    _fields(certificate, ("upper", "equal"), place)
    duals: dict[Identity, Fraction] = {}
    for part in ("upper", "equal"):
        entries = _list(certificate[part], f"{place}.{part}", "multipliers {row: KIND, ..., multiplier: p/q}")
        for k, entry in enumerate(entries):
            at = f"{place}.{part}[{k}]"
            identity, y = _row(game, j, entry, at)
            if (identity[0] in _EQUAL_ROWS) != (part == "equal"):
                where = "equal" if identity[0] in _EQUAL_ROWS else "upper"
                raise CertificateError(f"{at}.row", f"a {identity[0]} row belongs under {where}")
            if identity in duals:
                name = game.spell_identity(j, identity)
                raise CertificateError(at, f"the row {name} has a multiplier already")
            duals[identity] = y
    return duals


def _check_program(
    game: _Game,
    j: int,
    program: tuple[Form, Rows, Rows],
    duals: Mapping[Identity, Fraction],
    status: str,
    limit: Fraction,
    place: str,
) -> str | None:
    """Weak duality (``status == "optimal"``: max ≤ limit) or Farkas (``"infeasible"``), exactly."""
    objective, upper, equal = program
    for identity in duals:
        if identity not in upper and identity not in equal:
            return (
                f"{place}: the certificate names a row {game.spell_identity(j, identity)} "
                "that the program does not have"
            )
    columns: Form = {}
    rhs = ZERO
    for rows in (upper, equal):
        for identity, (form, b) in rows.items():
            y = duals.get(identity, ZERO)
            if not y:
                continue
            if rows is upper and y < 0:
                return (
                    f"{place}: the multiplier of row {game.spell_identity(j, identity)} is negative ({y}), "
                    "but a ≤ row needs y ≥ 0"
                )
            rhs += y * b
            for k, v in form.items():
                columns[k] = columns.get(k, ZERO) + y * v
    variables = set(objective) | set(columns)
    for form, _ in (*upper.values(), *equal.values()):
        variables.update(form)
    farkas = status == "infeasible"
    for variable in sorted(variables):
        need = ZERO if farkas else objective.get(variable, ZERO)
        if columns.get(variable, ZERO) < need:
            return (
                f"{place}: dual constraint of column {game.spell_identity(j, variable)} fails: "
                f"Σ y·A = {columns.get(variable, ZERO)} < {need}"
            )
    if farkas:
        if rhs >= 0:
            return f"{place}: Farkas certificate fails: y·b = {rhs} is not negative"
    elif rhs > limit:
        return f"{place}: the dual bound y·b = {rhs} exceeds the claimed bound minus the constant, {limit}"
    return None


def _choice_key(document: Any, game: _Game, user: int, place: str) -> tuple[Any, ...]:
    u = game.instance.users[user]
    consults = _get(document, "consults", place)
    if consults is False:
        _fields(document, ("consults",), place)
        return (False,)
    if consults is not True:
        raise CertificateError(f"{place}.consults", "must be true or false")
    _fields(document, ("consults", "reports", "actions"), place)
    reports = document["reports"]
    actions = document["actions"]
    key_reports = []
    key_actions = []
    for feature in u.features:
        report = _get(reports, feature, f"{place}.reports")
        key_reports.append(game.node(report, f"{place}.reports.{feature}"))
        row = _get(actions, feature, f"{place}.actions")
        key_actions.append(
            tuple(
                _label(
                    _get(row, m, f"{place}.actions.{feature}"), u.actions, f"{place}.actions.{feature}.{m}"
                )
                for m in game.messages
            )
        )
    return (True, tuple(key_reports), tuple(key_actions))


def _describe(game: _Game, users: list[int], key: tuple[Any, ...]) -> str:
    """The users' choices of one program, in words."""
    parts = []
    for i, choice in zip(users, key):
        u = game.instance.users[i]
        if not choice[0]:
            parts.append(f"{u.label} stays with another provider")
            continue
        per_feature = []
        for x, feature in enumerate(u.features):
            acts = ", ".join(f"{m}→{u.actions[a]}" for m, a in zip(game.messages, choice[2][x]))
            per_feature.append(f"{feature}: reports {game.show(game.reports[choice[1][x]])}; {acts}")
        parts.append(f"{u.label} consults ({' | '.join(per_feature)})")
    return "; ".join(parts)


def _subject(document: Mapping[str, Any], instance: Instance, users: list[int], delta: Fraction) -> Subject:
    if len(instance.providers) == 1:
        mode = COMMITMENT
    else:
        mode = ANONYMOUS if len(users) == len(instance.users) else SLICE
    return Subject(
        kind=str(document["kind"]),
        mode=mode,
        class_name=str(document["class"]),
        delta=delta,
        users=tuple(instance.users[i].label for i in users),
        all_users=len(users) == len(instance.users),
        providers=instance.provider_labels,
        title=instance.title,
        instance_hash=content_hash(instance),
    )


def verify_certificate(document: Any) -> Verification:
    """Check an equilibrium certificate against the instance it embeds (SPEC.md §9).

    Parameters
    ----------
    document : mapping
        A parsed certificate.

    Returns
    -------
    Verification
        Valid, or the failing inequalities.

    Raises
    ------
    CertificateError
        When the certificate is malformed (a missing field, an unknown label, a float ...).
    """
    if not isinstance(document, Mapping):
        got = "an empty document" if document is None else f"a {type(document).__name__}"
        raise CertificateError("", f"a certificate must be a mapping, got {got}")
    for key in document:
        if key not in _KEYS:
            raise CertificateError(str(key), f"unknown key; allowed: {', '.join(_KEYS)}")
    for key in _KEYS:
        _get(document, key, "")
    version = document["certificate_version"]
    # A float 2.0 or a boolean compares equal to an integer; only the integer 2 names this format.
    if type(version) is not int or version != CERTIFICATE_VERSION:
        why = (
            ": version 1 wrote rows and histories as labels joined into text, which different rows "
            "could share; certify the equilibrium again (pluralis solve --class full --certificates DIR)"
            if type(version) is int and version == 1
            else ""
        )
        raise CertificateError(
            "certificate_version",
            f"this verifier reads version {CERTIFICATE_VERSION} only, got {version!r}{why}",
        )
    for key, expected in (("kind", "equilibrium"), ("class", "full")):
        if document[key] != expected:
            raise CertificateError(key, f"this verifier reads {expected!r} certificates only")
    if document["tie_policy"] != "deviator-favourable":
        raise CertificateError("tie_policy", "deviations are certified with deviator-favourable ties only")
    delta = _number(document["delta"], "delta")
    try:
        instance = instance_from_dict(document["instance"])
    except InstanceError as error:
        raise CertificateError(
            f"instance.{error.place}" if error.place else "instance", error.problem
        ) from None
    reasons: list[str] = []
    if content_hash(instance) != document["instance_hash"]:
        reasons.append("instance_hash: does not match the embedded instance")
    game = _Game(instance)
    labels = instance.user_labels
    if not isinstance(document["users"], list) or not document["users"]:
        raise CertificateError("users", "must list the users of the game")
    users = [_label(v, labels, f"users[{k}]") for k, v in enumerate(document["users"])]
    for k, i in enumerate(users):
        if i in users[:k]:
            raise CertificateError(f"users[{k}]", f"{labels[i]!r} appears twice; list each user once")
    for section in ("rules", "payoffs", "deviations"):
        _fields(document[section], instance.provider_labels, section)
    _fields(document["responses"], tuple(labels[i] for i in users), "responses")
    subject = _subject(document, instance, users, delta)
    rules = []
    for j, provider in enumerate(instance.providers):
        table, problems = _read_rule(game, j, document["rules"][provider.label], f"rules.{provider.label}")
        reasons.extend(problems)
        rules.append(table)
    m = len(instance.providers)
    payoffs = [ZERO] * m
    chosen: dict[int, tuple[int, list[Fraction]]] = {}
    for i in users:
        label = labels[i]
        place = f"responses.{label}"
        response = _get(document["responses"], label, "responses")
        c = _label(_get(response, "provider", place), instance.provider_labels, f"{place}.provider")
        values = [game.value(i, k, rules[k]) for k in range(m)]
        law = _law(game, i, c, rules[c], response, place)
        utility = _expected(law, instance.users[i].utility)
        if utility != max(values):
            reasons.append(
                f"{place}: her utility {utility} is not her best value {max(values)}: not a best response"
            )
        if utility != _number(_get(response, "utility", place), f"{place}.utility"):
            reasons.append(f"{place}.utility: stated {response['utility']}, recomputed {utility}")
        gives = [
            instance.stakes[j][i].weight * _expected(law, instance.stakes[j][i].utility) for j in range(m)
        ]
        chosen[i] = (c, gives)
        for j in range(m):
            payoffs[j] += gives[j]
    if m > 1 and len(game.messages) == 1:
        raise CertificateError(
            "instance.protocol.provider_messages", "with one message no provider has a deviation to certify"
        )
    checked = 0
    for j, provider in enumerate(instance.providers):
        place = f"deviations.{provider.label}"
        stated = _number(_get(document["payoffs"], provider.label, "payoffs"), f"payoffs.{provider.label}")
        if stated != payoffs[j]:
            reasons.append(f"payoffs.{provider.label}: stated {stated}, recomputed {payoffs[j]}")
        entry = document["deviations"][provider.label]
        _fields(entry, ("bound", "programs"), place)
        bound = _number(_get(entry, "bound", place), f"{place}.bound")
        if payoffs[j] + delta < bound:
            reasons.append(
                f"{place}: payoff {payoffs[j]} + δ {delta} < deviation bound {bound}: "
                "the provider gains by deviating"
            )
        outside: dict[int, Fraction | None] = {}
        staying: dict[int, Fraction] = {}
        allowed: dict[int, bool] = {}
        for i in users:
            others = [k for k in range(m) if k != j]
            if not others:
                outside[i], staying[i], allowed[i] = None, ZERO, False
                continue
            offered = {k: game.value(i, k, rules[k]) for k in others}
            top = max(offered.values())
            outside[i] = top
            her_provider, gives = chosen[i]
            if her_provider != j:
                # SPEC §4 case 3: she stays with her provider, whose rule is unchanged, and keeps b_i.
                staying[i] = gives[j]
            else:
                # Case 4: she leaves j and takes, among her optimal providers, the best for j.
                staying[i] = max(game.favourable(i, k, rules[k], j) for k in others if offered[k] == top)
            allowed[i] = top > game.no_information(i)
        programs = _get(entry, "programs", place)
        if not isinstance(programs, list):
            raise CertificateError(f"{place}.programs", "must be a list")
        by_key: dict[tuple[Any, ...], tuple[int, Any]] = {}
        for k, program in enumerate(programs):
            fields = ("choices", "constant", "status", "certificate")
            _fields(program, fields, f"{place}.programs[{k}]", ("value",))
            choices = program["choices"]
            _fields(choices, tuple(labels[i] for i in users), f"{place}.programs[{k}].choices")
            key = tuple(
                _choice_key(
                    _get(choices, labels[i], f"{place}.programs[{k}].choices"),
                    game,
                    i,
                    f"{place}.programs[{k}].choices.{labels[i]}",
                )
                for i in users
            )
            if key in by_key:
                raise CertificateError(
                    f"{place}.programs[{k}].choices", f"the same choices as programs[{by_key[key][0]}]"
                )
            by_key[key] = (k, program)
        per_user = []
        for i in users:
            u = instance.users[i]
            options: list[tuple[Any, ...]] = [(False,)] if allowed[i] else []
            for reports in itertools.product(range(len(game.reports)), repeat=len(u.features)):
                maps = list(itertools.product(range(len(u.actions)), repeat=len(game.messages)))
                options.extend(
                    (True, reports, acts) for acts in itertools.product(maps, repeat=len(u.features))
                )
            per_user.append(options)
        for key in itertools.product(*per_user):
            if key not in by_key:
                reasons.append(
                    f"{place}: no program certificate for the choices {_describe(game, users, key)}"
                )
                continue
            k, program = by_key[key]
            where = f"{place}.programs[{k}]"
            choices = {
                i: {"consults": c[0], "reports": c[1] if c[0] else (), "actions": c[2] if c[0] else ()}
                for i, c in zip(users, key)
            }
            constant = sum((staying[i] for i, c in zip(users, key) if not c[0]), ZERO)
            if _number(_get(program, "constant", where), f"{where}.constant") != constant:
                reasons.append(f"{where}.constant: stated {program['constant']}, recomputed {constant}")
            status = _get(program, "status", where)
            if status not in ("optimal", "infeasible"):
                raise CertificateError(f"{where}.status", "must be optimal or infeasible")
            duals = _duals(game, j, program["certificate"], f"{where}.certificate")
            problem = _check_program(
                game, j, _program(game, j, choices, outside), duals, status, bound - constant, where
            )
            if problem is not None:
                reasons.append(problem)
            checked += 1
    return Verification(not reasons, tuple(reasons), checked, subject)


def load_certificate(path: str | Path) -> Any:
    """Read a certificate file (YAML or JSON).

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    object
        The parsed document.

    Raises
    ------
    CertificateError
        When the file cannot be read as a document (:func:`solver.core.documents.load_document`).
    """
    # The one reader of every file (solver.core.documents): size and nesting bounded, duplicate keys,
    # lone surrogates and YAML 1.1 number spellings refused, a BOM accepted, in YAML and JSON alike.
    return load_document(path, error=CertificateError)


def verify_file(path: str | Path) -> Verification:
    """Read and verify a certificate file.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    Verification
        The verdict.
    """
    return verify_certificate(load_certificate(path))
