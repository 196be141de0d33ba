"""Write the certificate corpus of ``tests/test_certificates.py``: ``valid/``, ``invalid/``, ``malformed/``.

Run by hand from the repository root whenever the certificate format or the deviation oracle changes,
then review the diff and commit the folders::

    python tests/data/certificates/make_corpus.py

The output is deterministic: the certificates come from exact computations on bundled instances
(``instances/*.yaml``) and on one small instance built below; every invalid file and most
malformed ones are one of them with a single edit, and the rest are short texts written here.
The folder says the verdict (DESIGN.md, after VeriPB's corpora):

* ``valid/`` — certificates of equilibria in ``full`` that
  :func:`solver.certificates.verify.verify_file` accepts: the prosecutor's optimal commitment
  (YAML and JSON), a δ-equilibrium of the same game, three slices of the personalized game of
  ``complementary_halves.yaml``, an anonymous game with two
  providers and two users, the optimal commitment of ``report_signal_features.yaml`` (protocol
  ``[U, P]``, private features), and three commitments whose labels joined names would confuse
  (issue 14): the prosecutor with signals ``a``, ``a][∅][b`` and messages ``b][∅][c``, ``c``;
  ``report_signal_features.yaml`` with messages ``x``, ``x/y`` then ``y/z``, ``z``; the prosecutor
  with protocol ``[U, U, P]`` and a user message named ``∅``. Every file has at most 64 deviation
  programs.
* ``invalid/`` — a valid certificate with ONE tampering, named after it; the verifier must reject
  it, naming the failing inequality. ``colliding_labels_forged_bound.yaml`` is the forgery of issue
  14: the bound 21/50 for a commitment whose optimum is 3/5, with the multipliers of the program in
  which σ(b][∅][c | a) and σ(c | a][∅][b) are one variable (a name joined from labels,
  ``sigma[a][∅][b][∅][c]``, used to make them one).
* ``malformed/`` — a certificate that cannot even be checked (missing field, float, unknown
  label, bad syntax, ...); the verifier must raise :class:`solver.certificates.verify.CertificateError` naming
  the place.

Each YAML file starts with a comment saying what it is (``# certificate: ...``) or its defect
(``# defect: ...``); JSON has no comments, so JSON files say it by their name only.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from solver.certificates.certification import certify_result
from solver.certificates.records import build_certificate, certificate_from_certification, dumps_certificate
from solver.conversation.classes import parse_class
from solver.conversation.protocol import ConversationTree
from solver.conversation.rules import Rule
from solver.core.model import Instance
from solver.core.numbers import ONE, ZERO
from solver.core.serialization import instance_from_dict, load
from solver.equilibria.enumeration import solve_equilibria
from solver.equilibria.games import Game, Mode
from solver.lp import LinearProgram, solve_lp
from solver.oracle.deviation import DeviationBound, solve_commitment
from solver.responses.response import TiePolicy

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
INSTANCES = ROOT / "instances"

Document = dict[str, Any]

TWO_USERS: Document = {
    "schema_version": 1,
    "title": "Two users, an informed provider and an uninformed one",
    "description": (
        "Provider alpha sees a fair binary state, provider beta sees nothing. The reader wants to "
        "name the state; the buyer holds (1/2 for sure) or buys (worth 1 if hi, 0 if lo)."
    ),
    "source": "built by tests/data/certificates/make_corpus.py for the certificate corpus",
    "states": ["lo", "hi"],
    "providers": {"alpha": {"signals": ["a_lo", "a_hi"]}, "beta": {"signals": ["b_none"]}},
    "users": {
        "reader": {
            "actions": ["say_lo", "say_hi"],
            "utility": {"say_lo": {"lo": 1, "hi": 0}, "say_hi": {"lo": 0, "hi": 1}},
        },
        "buyer": {
            "actions": ["hold", "buy"],
            "utility": {"hold": {"lo": "1/2", "hi": "1/2"}, "buy": {"lo": 0, "hi": 1}},
        },
    },
    "worlds": {
        "w_lo": {"prob": "1/2", "state": "lo", "signals": {"alpha": "a_lo", "beta": "b_none"}},
        "w_hi": {"prob": "1/2", "state": "hi", "signals": {"alpha": "a_hi", "beta": "b_none"}},
    },
    "stakes": {
        "alpha": {
            "reader": {
                "weight": 1,
                "utility": {"say_lo": {"lo": 1, "hi": 0}, "say_hi": {"lo": 0, "hi": 1}},
            },
            "buyer": {"weight": 1, "utility": {"hold": {"lo": 0, "hi": 0}, "buy": {"lo": 1, "hi": 1}}},
        },
        "beta": {
            "reader": {
                "weight": "1/2",
                "utility": {"say_lo": {"lo": 0, "hi": 0}, "say_hi": {"lo": 1, "hi": 1}},
            },
            "buyer": {
                "weight": 1,
                "utility": {"hold": {"lo": "1/2", "hi": "1/2"}, "buy": {"lo": 0, "hi": 1}},
            },
        },
    },
    "protocol": {"turns": ["P"], "provider_messages": ["m1", "m2"], "user_messages": []},
}


def _relabelled(name: str, edit: Callable[[Document], None], title: str) -> Instance:
    """A bundled instance with some labels renamed by ``edit`` and a new title."""
    document = yaml.safe_load((INSTANCES / name).read_text(encoding="utf-8"))
    edit(document)
    document["title"] = title
    document["source"] = f"{name} relabelled by tests/data/certificates/make_corpus.py (issue 14)"
    return instance_from_dict(document)


COLLIDING_SIGNALS = ("a", "a][∅][b")
"""The prosecutor's signals saw_guilty and saw_innocent, renamed as in issue 14's forgery."""

COLLIDING_MESSAGES = ("b][∅][c", "c")
"""Its messages m1 and m2, renamed: ``sigma[a][∅][b][∅][c]`` spells σ(m1 | a) and σ(m2 | a][∅][b)."""


def colliding_prosecutor() -> Instance:
    """prosecutor_judge.yaml with the signals and messages of issue 14's forgery."""

    def edit(document: Document) -> None:
        document["providers"]["prosecutor"]["signals"] = list(COLLIDING_SIGNALS)
        for world, signal in zip(("w1", "w2"), COLLIDING_SIGNALS):
            document["worlds"][world]["signals"]["prosecutor"] = signal
        document["protocol"]["provider_messages"] = list(COLLIDING_MESSAGES)

    title = "Prosecutor and judge, labels that joined names confuse"
    return _relabelled("prosecutor_judge.yaml", edit, title)


def slashed_report() -> Instance:
    """report_signal_features.yaml with messages ``x``, ``x/y`` (user) and ``y/z``, ``z`` (provider):
    joined by ``/``, the transcripts [x, y/z] and [x/y, z] both read ``x/y/z``."""

    def edit(document: Document) -> None:
        protocol = document["protocol"]
        protocol["user_messages"], protocol["provider_messages"] = ["x", "x/y"], ["y/z", "z"]

    return _relabelled("report_signal_features.yaml", edit, "Report your hunch, in messages with slashes")


def empty_named_message() -> Instance:
    """prosecutor_judge.yaml with protocol ``[U, U, P]`` and user messages ``∅``, ``x``: the user
    node after ``∅`` would be spelled as the empty history is."""

    def edit(document: Document) -> None:
        document["protocol"] = {
            "turns": ["U", "U", "P"],
            "provider_messages": ["m1", "m2"],
            "user_messages": ["∅", "x"],
        }

    return _relabelled("prosecutor_judge.yaml", edit, "Prosecutor and judge, a message named ∅")


def _merged(program: LinearProgram, keep: int, drop: int) -> LinearProgram:
    """The program with column ``drop`` added into column ``keep`` and removed: the two made one."""

    def column(k: int) -> int:
        return keep if k == drop else k - (k > drop)

    def merge(row: tuple[tuple[int, Fraction], ...]) -> tuple[tuple[int, Fraction], ...]:
        merged: dict[int, Fraction] = {}
        for k, v in row:
            merged[column(k)] = merged.get(column(k), ZERO) + v
        return tuple(sorted((k, v) for k, v in merged.items() if v))

    objective = list(program.objective)
    objective[keep] += objective.pop(drop)
    return LinearProgram(
        objective=tuple(objective),
        upper_rows=tuple(merge(r) for r in program.upper_rows),
        upper_rhs=program.upper_rhs,
        equal_rows=tuple(merge(r) for r in program.equal_rows),
        equal_rhs=program.equal_rhs,
    )


def forged_commitment(instance: Instance) -> Document:
    """Issue 14's forgery: the bound 21/50 for the prosecutor, whose optimum is 3/5.

    Every program's multipliers are an exact optimal dual (or Farkas certificate) of the program in
    which σ(b][∅][c | a) and σ(c | a][∅][b) are one variable t. There the judge convicts after
    ``b][∅][c`` only if 3t/10 ≥ 7(1 − t)/10, so the prosecutor's best is t = 7/10 and payoff
    3t/10 + 7(1 − t)/10 = 21/50; the rule recorded is that one. The rows are the true program's, so
    only a verifier that tells the two variables apart sees that the multipliers prove nothing.
    """
    true = solve_commitment(instance)
    solutions = []
    for program, _ in true.solutions:
        # σ(m1 | a) and σ(m2 | a][∅][b): signal, provider node, message.
        keep = program.variables.index(("sigma", (0, 0, 0)))
        drop = program.variables.index(("sigma", (1, 0, 1)))
        solution = solve_lp(_merged(program.program, keep, drop))
        assert solution.certified
        solutions.append((program, solution))
    value = max(s.value for _, s in solutions if s.value is not None)
    assert value == Fraction(21, 50) < true.value == Fraction(3, 5)
    t = Fraction(7, 10)
    rule = Rule((((t, 1 - t),), ((1 - t, t),)))
    bound = DeviationBound(0, value, rule, None, True, tuple(solutions))
    return build_certificate(instance, tuple(range(len(instance.users))), [rule], [bound])


def _commitment(instance: Instance) -> Document:
    bound = solve_commitment(instance)
    users = tuple(range(len(instance.users)))
    return build_certificate(instance, users, [bound.rule], [bound])


def _report_matters(instance: Instance) -> Document:
    """The oracle's optimal commitment in report_signal_features.yaml that answers ``say_hi`` with ``yes``.

    Several commitments reach the optimum 11/16: the oracle may answer ``say_hi`` as it answers
    ``say_lo`` (the report then changes nothing), or always with ``yes``, which the forecaster
    reports only when it serves her. The latter is certified here, so that flipping a report
    (``invalid/report_changed.yaml``) changes what the oracle is paid.
    """
    bound = solve_commitment(instance)
    tree = ConversationTree(instance.protocol)
    messages = instance.protocol.provider_messages
    yes = tuple(ONE if label == "yes" else ZERO for label in messages)
    nodes = [tree.labels(node) for node in tree.provider_nodes]
    table = tuple(
        tuple(yes if labels == ["say_hi"] else d for labels, d in zip(nodes, row)) for row in bound.rule.table
    )
    return build_certificate(instance, tuple(range(len(instance.users))), [Rule(table)], [bound])


def _revealing(instance: Instance, delta: Fraction) -> Document:
    """The single provider revealing its signal, a δ-equilibrium for δ at least its regret."""
    bound = solve_commitment(instance)
    size = len(instance.protocol.provider_messages)
    rule = Rule.deterministic([[s] for s in range(len(instance.providers[0].signals))], size)
    return build_certificate(instance, tuple(range(len(instance.users))), [rule], [bound], delta)


def _survivors(instance: Instance, mode: Mode, user: str | None = None) -> list[Document]:
    """Certificates of the deterministic equilibria that survive in ``full``, in the engine's order."""
    game = Game(instance, mode, parse_class("deterministic", instance))
    full = certify_result(game, solve_equilibria(game, ZERO, TiePolicy.FAVOURABLE))
    return [
        certificate_from_certification(instance, c)
        for c in full.certifications
        if c.survives
        and c.certified
        and (user is None or [instance.users[i].label for i in c.equilibrium.users] == [user])
    ]


def _reveals(document: Document, provider: str) -> bool:
    """Whether a provider's rule sends different messages after different signals."""
    return len({json.dumps(rows, sort_keys=True) for rows in document["rules"][provider].values()}) > 1


def _first_where(documents: list[Document], condition: Callable[[Document], bool]) -> Document:
    return next(d for d in documents if condition(d))


def valid_certificates() -> dict[str, tuple[str, Document]]:
    """Each valid file's name, what it certifies, and its document."""
    prosecutor = load(INSTANCES / "prosecutor_judge.yaml")
    halves = load(INSTANCES / "complementary_halves.yaml")
    report = load(INSTANCES / "report_signal_features.yaml")
    two_users = instance_from_dict(TWO_USERS)
    commitment = _commitment(prosecutor)
    parity = _survivors(halves, Mode.PERSONALIZED, "parity")
    guesser = _survivors(halves, Mode.PERSONALIZED, "guesser")
    return {
        "prosecutor_judge_commitment.yaml": (
            "the prosecutor's optimal commitment (one provider, protocol [P])",
            commitment,
        ),
        "prosecutor_judge_commitment.json": ("the same certificate in JSON", commitment),
        "prosecutor_judge_revealing_delta.yaml": (
            "the prosecutor revealing its signal: a 3/10-equilibrium, not an exact one",
            _revealing(prosecutor, Fraction(3, 10)),
        ),
        "complementary_halves_parity_slice.yaml": (
            "complementary_halves.yaml, personalized game, the parity user's slice: both providers "
            "uninformative",
            parity[0],
        ),
        "complementary_halves_guesser_slice_beta.yaml": (
            "complementary_halves.yaml, personalized game, the guesser's slice: beta reveals b2 and "
            "she consults it; she may stay with beta when alpha deviates",
            _first_where(guesser, lambda d: d["responses"]["guesser"]["provider"] == "beta"),
        ),
        "complementary_halves_guesser_slice_both.yaml": (
            "complementary_halves.yaml, personalized game, the guesser's slice: both providers reveal "
            "their bit",
            _first_where(guesser, lambda d: _reveals(d, "alpha") and _reveals(d, "beta")),
        ),
        "two_users_anonymous.yaml": (
            "an anonymous game with two providers and two users, built in make_corpus.py: alpha "
            "reveals the state",
            _first_where(_survivors(two_users, Mode.ANONYMOUS), lambda d: _reveals(d, "alpha")),
        ),
        "report_signal_features_commitment.yaml": (
            "the oracle's optimal commitment in report_signal_features.yaml (protocol [U, P], "
            "private features), in which the report matters: say_hi is always answered yes",
            _report_matters(report),
        ),
        "colliding_labels_commitment.yaml": (
            "the prosecutor's optimal commitment (3/5) with signals a, a][∅][b and messages b][∅][c, c: "
            "the true twin of invalid/colliding_labels_forged_bound.yaml",
            _commitment(colliding_prosecutor()),
        ),
        "slash_labels_commitment.yaml": (
            "the optimal commitment of report_signal_features.yaml with messages x, x/y then y/z, z: "
            "the transcripts [x, y/z] and [x/y, z] are two lists (joined by / both read x/y/z)",
            _commitment(slashed_report()),
        ),
        "empty_named_message_commitment.yaml": (
            "the prosecutor's optimal commitment with protocol [U, U, P] and a user message named ∅: "
            "the history [∅] is not the empty history []",
            _commitment(empty_named_message()),
        ),
    }


def _program(document: Document, provider: str, status: str, rows: str = "upper") -> Document:
    """The first program of a provider's deviation with this status and some multiplier of ``rows``."""
    for program in document["deviations"][provider]["programs"]:
        if program["status"] == status and program["certificate"][rows]:
            return program  # type: ignore[no-any-return]
    raise LookupError(f"no {status} program with {rows} multipliers for {provider}")


def _scale(value: str, factor: Fraction) -> str:
    return str(Fraction(value) * factor)


def _inflate_payoff(d: Document) -> None:
    d["payoffs"]["alpha"] = _scale(d["payoffs"]["alpha"], Fraction(5, 4))


def _lower_bound(d: Document) -> None:
    entry = d["deviations"]["prosecutor"]
    entry["bound"] = str(Fraction(entry["bound"]) - Fraction(1, 10))


def _change_dual_entry(d: Document) -> None:
    entry = _program(d, "prosecutor", "optimal")["certificate"]["upper"][0]
    entry["multiplier"] = _scale(entry["multiplier"], Fraction(1, 2))


def _break_farkas(d: Document) -> None:
    equal = _program(d, "prosecutor", "infeasible", "equal")["certificate"]["equal"]
    negative = next(entry for entry in equal if Fraction(entry["multiplier"]) < 0)
    negative["multiplier"] = _scale(negative["multiplier"], Fraction(3, 7))


def _remove_program(d: Document) -> None:
    del d["deviations"]["beta"]["programs"][1]


def _worsen_response(d: Document) -> None:
    first, second = d["responses"]["judge"]["actions"]["default"]
    first["action"], second["action"] = second["action"], first["action"]


def _break_rule(d: Document) -> None:
    d["rules"]["prosecutor"]["saw_innocent"][0]["distribution"]["m1"] = "5/7"


def _mismatch_hash(d: Document) -> None:
    digest = d["instance_hash"]
    d["instance_hash"] = digest[:-1] + ("0" if digest[-1] != "0" else "1")


def _misstate_utility(d: Document) -> None:
    d["responses"]["judge"]["utility"] = "4/5"


def _negate_upper_multiplier(d: Document) -> None:
    entry = _program(d, "prosecutor", "optimal")["certificate"]["upper"][0]
    entry["multiplier"] = str(-Fraction(entry["multiplier"]))


def _add_unknown_row(d: Document) -> None:
    upper = _program(d, "prosecutor", "optimal")["certificate"]["upper"]
    upper.append({"row": "participates", "user": "judge", "multiplier": "1"})


def _lower_delta(d: Document) -> None:
    d["delta"] = "1/10"


def _change_constant(d: Document) -> None:
    for program in d["deviations"]["alpha"]["programs"]:
        if Fraction(program["constant"]) != 0:
            program["constant"] = _scale(program["constant"], Fraction(1, 2))
            return
    raise LookupError("no program with a non-zero constant")


def _reroute_report(d: Document) -> None:
    (entry,) = d["responses"]["forecaster"]["messages"]["hunch_lo"]
    assert entry["history"] == []
    entry["message"] = "say_hi" if entry["message"] == "say_lo" else "say_lo"


def _forge(d: Document) -> None:
    d.clear()
    d.update(forged_commitment(colliding_prosecutor()))


Tampering = tuple[str, str, Callable[[Document], None]]

INVALID: dict[str, Tampering] = {
    "payoff_inflated.yaml": (
        "two_users_anonymous.yaml",
        "payoffs.alpha raised by a quarter",
        _inflate_payoff,
    ),
    "bound_lowered.yaml": (
        "prosecutor_judge_commitment.yaml",
        "the prosecutor's deviation bound lowered by 1/10, below the true supremum 3/5",
        _lower_bound,
    ),
    "dual_entry_changed.yaml": (
        "prosecutor_judge_commitment.yaml",
        "an obedience multiplier of an optimal program halved",
        _change_dual_entry,
    ),
    "farkas_broken.yaml": (
        "prosecutor_judge_commitment.yaml",
        "a negative simplex multiplier of the infeasible program scaled by 3/7",
        _break_farkas,
    ),
    "program_missing.yaml": (
        "complementary_halves_guesser_slice_beta.yaml",
        "the second program of beta's deviation removed",
        _remove_program,
    ),
    "suboptimal_response.yaml": (
        "prosecutor_judge_commitment.yaml",
        "the judge's action map swapped (convict after m1, acquit after m2)",
        _worsen_response,
    ),
    "rule_not_distribution.yaml": (
        "prosecutor_judge_commitment.yaml",
        "the prosecutor's probability of m1 after saw_innocent raised to 5/7 (sum 8/7)",
        _break_rule,
    ),
    "instance_hash_mismatch.yaml": (
        "prosecutor_judge_commitment.yaml",
        "the last digit of instance_hash changed",
        _mismatch_hash,
    ),
    "utility_misstated.yaml": (
        "prosecutor_judge_commitment.yaml",
        "the judge's stated utility 4/5 instead of 7/10",
        _misstate_utility,
    ),
    "negative_multiplier_on_upper_row.yaml": (
        "prosecutor_judge_commitment.yaml",
        "a ≤-row multiplier of an optimal program negated",
        _negate_upper_multiplier,
    ),
    "unknown_row_name.yaml": (
        "prosecutor_judge_commitment.yaml",
        "a multiplier on a row that the program does not have (the judge's participation: the "
        "prosecutor has no rival)",
        _add_unknown_row,
    ),
    "delta_lowered.yaml": (
        "prosecutor_judge_revealing_delta.yaml",
        "δ lowered from 3/10 to 1/10, below the prosecutor's regret",
        _lower_delta,
    ),
    "constant_changed.yaml": (
        "complementary_halves_guesser_slice_beta.yaml",
        "the constant payoff of a program where the user stays elsewhere halved",
        _change_constant,
    ),
    "report_changed.yaml": (
        "report_signal_features_commitment.yaml",
        "the forecaster's report with hunch_lo flipped to say_hi: as good for her, worse for the "
        "oracle, so the stated payoff no longer follows",
        _reroute_report,
    ),
    "colliding_labels_forged_bound.yaml": (
        "colliding_labels_commitment.yaml",
        "the bound 21/50 (the optimum is 3/5), proved by the multipliers of the program in which "
        "σ(b][∅][c | a) and σ(c | a][∅][b) are one variable, with the rule that attains 21/50 there",
        _forge,
    ),
}


def _without(key: str) -> Callable[[Document], Document]:
    def edit(d: Document) -> Document:
        del d[key]
        return d

    return edit


def _set(path: tuple[str, ...], value: Any) -> Callable[[Document], Document]:
    def edit(d: Document) -> Document:
        target = d
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return d

    return edit


def _with_notes(d: Document) -> Document:
    d["notes"] = "a key the format does not have"
    return d


def _unknown_message(d: Document) -> Document:
    d["rules"]["prosecutor"]["saw_guilty"][0]["distribution"] = {"m3": "1"}
    return d


def _optimal_upper(d: Document) -> list[Document]:
    rows: list[Document] = _program(d, "prosecutor", "optimal")["certificate"]["upper"]
    return rows


def _history_as_text(d: Document) -> Document:
    d["rules"]["prosecutor"]["saw_guilty"][0]["history"] = "∅"
    return d


def _row_names_as_text(d: Document) -> Document:
    program = _program(d, "prosecutor", "optimal")
    program["certificate"]["upper"] = {"obey|judge|default|m2|acquit": "1"}
    return d


def _duplicate_multiplier(d: Document) -> Document:
    upper = _optimal_upper(d)
    upper.append(dict(upper[0]))
    return d


def _unknown_row_label(d: Document) -> Document:
    entry = _optimal_upper(d)[0]
    assert entry["row"] == "obey"
    entry["message"] = "m3"
    return d


def _row_missing_field(d: Document) -> Document:
    del _optimal_upper(d)[0]["feature"]
    return d


def _simplex_under_upper(d: Document) -> Document:
    program = _program(d, "prosecutor", "optimal", "equal")
    program["certificate"]["upper"].append(program["certificate"]["equal"].pop())
    return d


def _repeated_node(d: Document) -> Document:
    entries = d["rules"]["prosecutor"]["saw_guilty"]
    entries.append(copy.deepcopy(entries[0]))
    return d


def _deviations_as_list(d: Document) -> Document:
    d["deviations"] = [d["deviations"]["prosecutor"]]
    return d


Malformation = tuple[str, Callable[[Document], Document]]

MALFORMED: dict[str, Malformation] = {
    "missing_field.yaml": ("the required field payoffs removed", _without("payoffs")),
    "unknown_top_level_key.yaml": ("an unknown top-level key, notes", _with_notes),
    "float_number.yaml": (
        "the payoff written as the float 0.6 instead of the string 3/5",
        _set(("payoffs", "prosecutor"), 0.6),
    ),
    "float_certificate_version.yaml": (
        "certificate_version written as the float 2.0",
        _set(("certificate_version",), 2.0),
    ),
    "unknown_provider_label.yaml": (
        "the judge's response names a provider 'defence' the instance does not have",
        _set(("responses", "judge", "provider"), "defence"),
    ),
    "unknown_message_label.yaml": ("the prosecutor's rule sends a message m3", _unknown_message),
    "wrong_certificate_version.yaml": ("certificate_version 3", _set(("certificate_version",), 3)),
    "version_1.yaml": (
        "certificate_version 1, the format that joined labels into row names and histories",
        _set(("certificate_version",), 1),
    ),
    "history_as_text.yaml": (
        "a rule's provider node written as the joined spelling ∅ instead of the list []",
        _history_as_text,
    ),
    "row_names_as_text.yaml": (
        "an optimal program's ≤ multipliers keyed by a row name joined from labels",
        _row_names_as_text,
    ),
    "duplicate_multiplier.yaml": (
        "the first ≤ multiplier of an optimal program listed twice",
        _duplicate_multiplier,
    ),
    "unknown_row_label.yaml": ("an obedience multiplier on a message m3", _unknown_row_label),
    "row_missing_field.yaml": (
        "an obedience multiplier without its feature",
        _row_missing_field,
    ),
    "simplex_row_under_upper.yaml": (
        "a simplex multiplier of an optimal program moved among the ≤ rows",
        _simplex_under_upper,
    ),
    "repeated_rule_node.yaml": (
        "the prosecutor's rule after saw_guilty gives the node [] twice",
        _repeated_node,
    ),
    "non_mapping_section.yaml": ("the deviations section is a list", _deviations_as_list),
    "bound_not_a_number.yaml": (
        "a deviation bound that is a list",
        _set(("deviations", "prosecutor", "bound"), [3, 5]),
    ),
    "users_not_a_list.yaml": ("users is a string", _set(("users",), "judge")),
    "unknown_program_status.yaml": (
        "a program whose status is 'unbounded'",
        _set(("deviations", "prosecutor", "programs", 0, "status"), "unbounded"),
    ),
    "instance_float_probability.yaml": (
        "the embedded instance writes a world's probability as the float 0.3",
        _set(("instance", "worlds", "w1", "prob"), 0.3),
    ),
    "duplicate_user.yaml": ("users lists the judge twice", _set(("users",), ["judge", "judge"])),
}
"""Malformed certificates built from a document: file name → (defect, edit)."""

TEXT_MALFORMED: dict[str, tuple[str, str | bytes]] = {
    "bad_yaml_syntax.yaml": ("an unclosed flow mapping", "certificate_version: 1\nkind: {equilibrium\n"),
    "empty_file.yaml": ("an empty file", ""),
    "top_level_list.yaml": ("the document is a list", "- certificate_version: 1\n- kind: equilibrium\n"),
    "not_utf8.yaml": ("bytes that are not UTF-8", b"certificate_version: 1\nkind: \xff\xfe\n"),
}
"""Malformed files written as text (or bytes) directly: file name → (defect, content)."""


def _yaml(comment: str, document: Document) -> str:
    return f"# {comment}\n" + dumps_certificate(document)


def main() -> None:
    """Write the three folders, replacing their certificate files."""
    folders = {name: HERE / name for name in ("valid", "invalid", "malformed")}
    for folder in folders.values():
        folder.mkdir(exist_ok=True)
        for old in folder.iterdir():
            if old.suffix in {".yaml", ".json"}:
                old.unlink()
    valid = valid_certificates()
    for name, (what, document) in valid.items():
        if name.endswith(".json"):
            text = dumps_certificate(document, "json")
        else:
            text = _yaml(f"certificate: {what}", document)
        (folders["valid"] / name).write_text(text, encoding="utf-8")
    for name, (base, defect, tamper) in INVALID.items():
        document = copy.deepcopy(valid[base][1])
        tamper(document)
        text = _yaml(f"defect: {defect} (from valid/{base})", document)
        (folders["invalid"] / name).write_text(text, encoding="utf-8")
    base = valid["prosecutor_judge_commitment.yaml"][1]
    for name, (defect, edit) in MALFORMED.items():
        text = _yaml(f"defect: {defect}", edit(copy.deepcopy(base)))
        (folders["malformed"] / name).write_text(text, encoding="utf-8")
    for name, (defect, content) in TEXT_MALFORMED.items():
        path = folders["malformed"] / name
        if isinstance(content, bytes):
            path.write_bytes(f"# defect: {defect}\n".encode() + content)
        else:
            path.write_text(f"# defect: {defect}\n{content}", encoding="utf-8")
    truncated = json.dumps(base, indent=2, ensure_ascii=False)[:400]
    (folders["malformed"] / "invalid_json.json").write_text(truncated, encoding="utf-8")
    (folders["malformed"] / "float_in_json.json").write_text(
        json.dumps({**base, "delta": 0.0}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
