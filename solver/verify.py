"""The independent verifier of equilibrium certificates (SPEC.md §9).

It recomputes everything from the instance embedded in a certificate and the certificate alone:
the users' values and responses, the payoffs, and, for every combination of the users' choices
against every deviator, the deviation linear program, whose bound it checks with the certificate's
dual (weak duality) or Farkas multipliers. It imports none of the search engines (enumeration, MIP,
oracle, LP solver): its own arithmetic is plain :class:`fractions.Fraction`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from solver.errors import InstanceError, PluralisError
from solver.model import PROVIDER_TURN, USER_TURN, Instance
from solver.numbers import ONE, ZERO, parse_number
from solver.serialization import content_hash, instance_from_dict

Form = dict[str, Fraction]
"""A linear form over named variables."""

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
    """

    valid: bool
    reasons: tuple[str, ...]
    checked_programs: int


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

    def spell(self, history: tuple[int, ...]) -> str:
        alphabets = [
            self.instance.protocol.user_messages if t == USER_TURN else self.messages
            for t in self.instance.protocol.turns
        ]
        return "/".join(alphabets[t][m] for t, m in enumerate(history)) if history else "∅"

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
    instance = game.instance
    provider = instance.providers[j]
    problems = []
    table = [[[ZERO] * len(game.messages) for _ in game.reports] for _ in provider.signals]
    if not isinstance(document, Mapping):
        raise CertificateError(place, "must map each signal to its distributions")
    for s, signal in enumerate(provider.signals):
        rows = _get(document, signal, place)
        for h, report in enumerate(game.reports):
            node = game.spell(report)
            entry = _get(rows, node, f"{place}.{signal}")
            if not isinstance(entry, Mapping):
                raise CertificateError(f"{place}.{signal}.{node}", "must map messages to probabilities")
            for key, value in entry.items():
                m = _label(key, game.messages, f"{place}.{signal}.{node}.{key}")
                table[s][h][m] = _number(value, f"{place}.{signal}.{node}.{key}")
            total = sum(table[s][h], ZERO)
            if total != 1 or any(p < 0 for p in table[s][h]):
                problems.append(
                    f"{place}.{signal}.{node}: the probabilities {total} do not form a distribution"
                )
    return table, problems


def _law(
    game: _Game, user: int, provider: int, rule: list[list[list[Fraction]]], response: Any, place: str
) -> list[list[Fraction]]:
    """The outcome law of a stated strategy, by following it (SPEC.md §3)."""
    instance = game.instance
    u = instance.users[user]
    messages = response.get("messages", {}) if isinstance(response, Mapping) else {}
    actions = _get(response, "actions", place)
    law = [[ZERO] * len(instance.states) for _ in u.actions]
    for x, feature in enumerate(u.features):
        history: list[int] = []
        for _ in game.reports[0]:
            said = _get(
                _get(messages, feature, f"{place}.messages"),
                game.spell(tuple(history)),
                f"{place}.messages.{feature}",
            )
            history.append(_label(said, instance.protocol.user_messages, f"{place}.messages.{feature}"))
        h = game.reports.index(tuple(history))
        for m in range(len(game.messages)):
            leaf = game.spell((*history, m))
            act = _get(_get(actions, feature, f"{place}.actions"), leaf, f"{place}.actions.{feature}")
            a = _label(act, u.actions, f"{place}.actions.{feature}.{leaf}")
            for w in range(len(instance.worlds)):
                law[a][game.state(w)] += game.mass(user, x, w) * rule[game.signal(provider, w)][h][m]
    return law


def _expected(law: list[list[Fraction]], table: tuple[tuple[Fraction, ...], ...]) -> Fraction:
    return sum((p * table[a][y] for a, row in enumerate(law) for y, p in enumerate(row)), ZERO)


def _program(
    game: _Game, j: int, choices: dict[int, Any], outside: dict[int, Fraction | None]
) -> tuple[Form, list[tuple[str, Form, Fraction]], list[tuple[str, Form, Fraction]]]:
    """Rebuild provider j's deviation program for stated choices: objective, ≤ rows, = rows."""
    instance = game.instance
    provider = instance.providers[j]
    objective: Form = {}
    upper: list[tuple[str, Form, Fraction]] = []

    def score(user: int, x: int, h: int, m: int, table: tuple[tuple[Fraction, ...], ...], a: int) -> Form:
        form: Form = {}
        for w in range(len(instance.worlds)):
            c = game.mass(user, x, w) * table[a][game.state(w)]
            if c:
                signal = provider.signals[game.signal(j, w)]
                name = f"sigma[{signal}][{game.spell(game.reports[h])}][{game.messages[m]}]"
                form[name] = form.get(name, ZERO) + c
        return form

    def plus(target: Form, form: Form, factor: Fraction = ONE) -> Form:
        for k, v in form.items():
            target[k] = target.get(k, ZERO) + factor * v
        return target

    for i, choice in choices.items():
        u = instance.users[i]
        label = u.label
        if not choice["consults"]:
            total: Form = {}
            for x, feature in enumerate(u.features):
                total[f"v[{label}][{feature}]"] = ONE
                for h in range(len(game.reports)):
                    node = game.spell(game.reports[h])
                    row_total: Form = {f"v[{label}][{feature}]": -ONE}
                    for m in range(len(game.messages)):
                        z = f"z[{label}][{feature}][{node}][{game.messages[m]}]"
                        row_total[z] = ONE
                        for a in range(len(u.actions)):
                            upper.append(
                                (
                                    f"max|{label}|{feature}|{node}|{game.messages[m]}|{u.actions[a]}",
                                    plus(score(i, x, h, m, u.utility, a), {z: -ONE}),
                                    ZERO,
                                )
                            )
                    upper.append((f"value|{label}|{feature}|{node}", row_total, ZERO))
            best = outside[i]
            assert best is not None
            upper.append((f"stays|{label}", total, best))
            continue
        offered: Form = {}
        for x, feature in enumerate(u.features):
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
                        upper.append((f"obey|{label}|{feature}|{game.messages[m]}|{u.actions[a]}", row, ZERO))
            for h in range(len(game.reports)):
                if h == r:
                    continue
                node = game.spell(game.reports[h])
                report_row: Form = {}
                for m in range(len(game.messages)):
                    z = f"z[{label}][{feature}][{node}][{game.messages[m]}]"
                    report_row[z] = ONE
                    for a in range(len(u.actions)):
                        upper.append(
                            (
                                f"max|{label}|{feature}|{node}|{game.messages[m]}|{u.actions[a]}",
                                plus(score(i, x, h, m, u.utility, a), {z: -ONE}),
                                ZERO,
                            )
                        )
                upper.append((f"report|{label}|{feature}|{node}", plus(report_row, chosen, -ONE), ZERO))
            plus(offered, chosen)
        if outside[i] is not None:
            best = outside[i]
            assert best is not None
            upper.append((f"participates|{label}", {k: -v for k, v in offered.items()}, -best))
    equal = [
        (
            f"simplex|{signal}|{game.spell(report)}",
            {f"sigma[{signal}][{game.spell(report)}][{m}]": ONE for m in game.messages},
            ONE,
        )
        for signal in provider.signals
        for report in game.reports
    ]
    return objective, upper, equal


def _check_program(
    objective: Form,
    upper: list[tuple[str, Form, Fraction]],
    equal: list[tuple[str, Form, Fraction]],
    duals: Mapping[str, Fraction],
    status: str,
    limit: Fraction,
    place: str,
) -> str | None:
    """Weak duality (``status == "optimal"``: max ≤ limit) or Farkas (``"infeasible"``), exactly."""
    names = {n for n, _, _ in upper} | {n for n, _, _ in equal}
    for name in duals:
        if name not in names:
            return f"{place}: the certificate names a row {name!r} that the program does not have"
    columns: dict[str, Fraction] = {}
    rhs = ZERO
    for name, form, b in upper + equal:
        y = duals.get(name, ZERO)
        if not y:
            continue
        if any(name == n for n, _, _ in upper) and y < 0:
            return f"{place}: the multiplier of row {name} is negative ({y}), but a ≤ row needs y ≥ 0"
        rhs += y * b
        for k, v in form.items():
            columns[k] = columns.get(k, ZERO) + y * v
    variables = set(objective) | set(columns)
    for form in [f for _, f, _ in upper + equal]:
        variables.update(form)
    farkas = status == "infeasible"
    for name in sorted(variables):
        need = ZERO if farkas else objective.get(name, ZERO)
        if columns.get(name, ZERO) < need:
            return (
                f"{place}: dual constraint of column {name} fails: Σ y·A = {columns.get(name, ZERO)} < {need}"
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
        return (False,)
    if consults is not True:
        raise CertificateError(f"{place}.consults", "must be true or false")
    reports = _get(document, "reports", place)
    actions = _get(document, "actions", place)
    key_reports = []
    key_actions = []
    for feature in u.features:
        node = _get(reports, feature, f"{place}.reports")
        spelled = [game.spell(r) for r in game.reports]
        if node not in spelled:
            raise CertificateError(f"{place}.reports.{feature}", f"unknown report {node!r}")
        key_reports.append(spelled.index(node))
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
    """The users' choices of one program, in words (as the certificate spells them)."""
    parts = []
    for i, choice in zip(users, key):
        u = game.instance.users[i]
        if not choice[0]:
            parts.append(f"{u.label} stays with another provider")
            continue
        per_feature = []
        for x, feature in enumerate(u.features):
            acts = ", ".join(f"{m}→{u.actions[a]}" for m, a in zip(game.messages, choice[2][x]))
            per_feature.append(f"{feature}: reports {game.spell(game.reports[choice[1][x]])}; {acts}")
        parts.append(f"{u.label} consults ({' | '.join(per_feature)})")
    return "; ".join(parts)


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
    # A float 1.0 or a boolean true compares equal to 1; only the integer 1 names this format.
    if type(version) is not int or version != 1:
        raise CertificateError("certificate_version", f"this verifier reads version 1 only, got {version!r}")
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
    rules = []
    for j, provider in enumerate(instance.providers):
        table, problems = _read_rule(
            game, j, _get(document["rules"], provider.label, "rules"), f"rules.{provider.label}"
        )
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
        entry = _get(document["deviations"], provider.label, "deviations")
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
            choices = _get(program, "choices", f"{place}.programs[{k}]")
            key = tuple(
                _choice_key(
                    _get(choices, labels[i], f"{place}.programs[{k}].choices"),
                    game,
                    i,
                    f"{place}.programs[{k}].choices.{labels[i]}",
                )
                for i in users
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
            certificate = _get(program, "certificate", where)
            duals: dict[str, Fraction] = {}
            for part in ("upper", "equal"):
                rows = _get(certificate, part, f"{where}.certificate")
                if not isinstance(rows, Mapping):
                    raise CertificateError(f"{where}.certificate.{part}", "must map row names to multipliers")
                for name, value in rows.items():
                    duals[str(name)] = _number(value, f"{where}.certificate.{part}.{name}")
            objective, upper, equal = _program(game, j, choices, outside)
            problem = _check_program(objective, upper, equal, duals, status, bound - constant, where)
            if problem is not None:
                reasons.append(problem)
            checked += 1
    return Verification(not reasons, tuple(reasons), checked)


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
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CertificateError("", f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise CertificateError("", f"{path} is not UTF-8 text (byte {error.start})") from None
    kind = "JSON" if path.suffix == ".json" else "YAML"
    try:
        return json.loads(text) if kind == "JSON" else yaml.safe_load(text)
    except json.JSONDecodeError as error:
        raise CertificateError("", f"{path} is not valid JSON: {error}") from None
    except yaml.MarkedYAMLError as error:
        # PyYAML's own message spans several lines; keep the problem and where it is.
        mark = error.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        context = f" ({error.context})" if error.context else ""
        problem = f"{error.problem or 'syntax error'}{context}{where}"
        raise CertificateError("", f"{path} is not valid YAML: {' '.join(problem.split())}") from None
    except yaml.YAMLError as error:
        raise CertificateError("", f"{path} is not valid YAML: {' '.join(str(error).split())}") from None
    except RecursionError:
        raise CertificateError("", f"{path} is nested too deeply to be a certificate") from None
    except ValueError as error:  # an integer above Python's digit limit
        raise CertificateError(
            "", f"{path} cannot be read as {kind}: {' '.join(str(error).split())}"
        ) from None


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
