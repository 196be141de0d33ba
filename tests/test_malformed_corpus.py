"""The malformed corpus: every file in ``tests/data/malformed`` must be refused with a useful error.

Each file is a small valid instance (two providers, one user with private features, parameters,
protocol ``[U, P]``) with exactly one defect, named by the file. Loading it must raise
:class:`~solver.core.errors.InstanceError` whose message is one line and names the place of the
defect; the command line (``python -m pluralis inspect FILE``, the ``pluralis`` console script)
must exit with status 2, print the error on one line and no traceback (SPEC.md §11; DESIGN.md:
"bad input never produces a traceback from deep inside a kernel").
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import pytest

from solver.core.errors import InstanceError, printable
from solver.core.serialization import load

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "malformed"


class Expected(NamedTuple):
    """What the error of one corpus file must say: its exact place and a phrase of the message."""

    place: str
    phrase: str


EXPECTED: dict[str, Expected] = {
    "alias_bomb.yaml": Expected("", "holds more than 1,000,000 values"),
    "bad_schema_version.yaml": Expected("schema_version", "reads version 1"),
    "bad_turn.yaml": Expected("protocol.turns[1]", "'U' (user) or 'P' (provider)"),
    "bool_label.yaml": Expected("protocol.user_messages[0]", "quote it"),
    "bool_number.yaml": Expected("users.patient.utility[wait][sick]", "boolean"),
    "code_in_number.yaml": Expected("stakes.app.patient.weight", "cannot read"),
    "deep_nesting.yaml": Expected("", "nested too deeply: more than 64 levels"),
    "description_control_character.yaml": Expected("description", "U+0008"),
    "division_by_zero.yaml": Expected("stakes.app.patient.weight", "divides by zero"),
    "duplicate_key.json": Expected("worlds.w1.prob", "appears twice"),
    "duplicate_label.yaml": Expected("states", "'sick' appears twice"),
    "duplicate_world_key.yaml": Expected("worlds.w2", "appears twice in one mapping (lines 25 and 26)"),
    "empty_file.yaml": Expected("file", "is empty"),
    "empty_states.yaml": Expected("states", "at least one label"),
    "empty_user_messages.yaml": Expected("protocol.user_messages", "at least one label"),
    "expression_not_rational.yaml": Expected("stakes.app.patient.weight", "only integer powers"),
    "features_without_kernel.yaml": Expected("users.patient.feature_kernel", "required field is missing"),
    "float_in_json.json": Expected("worlds.w1.prob", '"3/10"'),
    "float_parameter.yaml": Expected("parameters.eta", '"1/10"'),
    "float_probability.yaml": Expected("worlds.w1.prob", '"3/10"'),
    "float_schema_version.yaml": Expected("schema_version", "reads version 1"),
    "infinite_number.yaml": Expected("stakes.doctor.patient.weight", "not a finite number"),
    "integer_label.yaml": Expected("users.patient.actions[1]", "quote it"),
    "invalid_json.json": Expected("", "is not valid JSON: Expecting value at line 12"),
    "invalid_yaml_syntax.yaml": Expected("", "is not valid YAML"),
    "kernel_row_not_summing.yaml": Expected("users.patient.feature_kernel[w3]", "sum to 5/6"),
    "label_bidi_override.yaml": Expected("users[0]", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    "label_escape_sequence.json": Expected(
        "providers[0]", "label 'doctor\\x1b[31m' holds the character U+001B"
    ),
    "label_escape_sequence.yaml": Expected("providers[1]", "label 'app\\x1b[32m' holds the character U+001B"),
    "label_lone_surrogate.yaml": Expected("providers.app.signals[0]", "lone UTF-16 surrogate"),
    "label_no_break_space.yaml": Expected("worlds[0]", "U+00A0 (NO-BREAK SPACE)"),
    "label_not_nfc.yaml": Expected("users.patient.actions[0]", "normal form NFC"),
    "label_sexagesimal.yaml": Expected(
        "users.patient.actions[1]", "YAML 1.1 reads 1:30 (line 14) as a base-60"
    ),
    "label_too_long.yaml": Expected("providers.doctor.signals[0]", "101 characters, more than 100"),
    "label_trailing_space.yaml": Expected("states[1]", "begins or ends with a space"),
    "label_zero_width_space.yaml": Expected("protocol.provider_messages[0]", "U+200B (ZERO WIDTH SPACE)"),
    "list_number.yaml": Expected("stakes.doctor.patient.weight", "expected a number"),
    "lone_surrogate_key.json": Expected("users.patient.feature_kernel[1]", "lone UTF-16 surrogate"),
    "missing_provider_messages.yaml": Expected("protocol.provider_messages", "required field is missing"),
    "missing_required_field.yaml": Expected("states", "required field is missing"),
    "missing_stake_pair.yaml": Expected("stakes.app.patient", "every provider in every user"),
    "missing_utility_pair.yaml": Expected("users.patient.utility[wait][well]", "every action and state"),
    "missing_world_signal.yaml": Expected("worlds.w1.signals.app", "every provider's signal"),
    "nan_in_json.json": Expected("stakes.doctor.patient.weight", "not a finite number"),
    "nan_number.yaml": Expected("stakes.doctor.patient.weight", "not a finite number"),
    "negative_probability.yaml": Expected("worlds.w2.prob", "negative"),
    "negative_weight.yaml": Expected("stakes.doctor.patient.weight", "negative"),
    "octal_weight.yaml": Expected(
        "stakes.doctor.patient.weight", "YAML 1.1 reads 010 (line 30) as an octal number, 8"
    ),
    "plain_huge_integer.yaml": Expected("stakes.doctor.patient.weight", "too many digits: 1,500"),
    "probabilities_do_not_sum_to_one.yaml": Expected("worlds", "sum to 9/10, not 1"),
    "python_tag.yaml": Expected("title", "YAML tag tag:yaml.org,2002:python/object/apply:os.system"),
    "title_escape_sequences.yaml": Expected("title", "'\\x1b]0;pwned\\x07\\x1b[2JTwo advisers' holds"),
    "title_not_text.yaml": Expected("title", "must be a string"),
    "title_two_lines.yaml": Expected("title", "U+000A"),
    "too_large_number.yaml": Expected("stakes.app.patient.weight", "too large"),
    "top_level_list.yaml": Expected("file", "must be a mapping"),
    "two_documents.yaml": Expected("", "expected a single document"),
    "unknown_action_in_utility.yaml": Expected("users.patient.utility[sleep]", "unknown action 'sleep'"),
    "unknown_feature_in_kernel.yaml": Expected(
        "users.patient.feature_kernel[w3][angry]", "unknown feature 'angry'"
    ),
    "unknown_parameter.yaml": Expected("stakes.app.patient.weight", "unknown parameter(s) zeta"),
    "unknown_protocol_name.yaml": Expected("protocol.turns", "signal, report-signal"),
    "unknown_provider_in_world.yaml": Expected("worlds.w1.signals.oracle", "unknown provider 'oracle'"),
    "unknown_signal.yaml": Expected("worlds.w1.signals.doctor", "unknown signal 'maybe'"),
    "unknown_state_in_world.yaml": Expected("worlds.w2.state", "unknown state 'healthy'"),
    "unknown_top_level_key.yaml": Expected("notes", "unknown key"),
    "unknown_user_in_stakes.yaml": Expected("stakes.app.visitor", "unknown user 'visitor'"),
    "unknown_user_key.yaml": Expected("users.patient.feature", "unknown key"),
    "utility_above_one.yaml": Expected("users.patient.utility[treat][well]", "outside [0, 1]"),
    "utility_below_zero.yaml": Expected("stakes.doctor.patient.utility[treat][well]", "outside [0, 1]"),
    "zero_probability_world.yaml": Expected("worlds.w2.prob", "positive probability"),
}

FILES = sorted(path.name for path in CORPUS.iterdir() if path.is_file())


def test_corpus_and_expectations_match() -> None:
    on_disk = set(FILES)
    assert on_disk - EXPECTED.keys() == set(), "corpus files without an expectation in EXPECTED"
    assert EXPECTED.keys() - on_disk == set(), "expectations without a corpus file"


def test_corpus_has_both_formats() -> None:
    suffixes = [Path(name).suffix for name in FILES]
    assert suffixes.count(".yaml") >= 20
    assert suffixes.count(".json") >= 2


@pytest.mark.parametrize("name", [name for name in FILES if name.endswith(".yaml")])
def test_yaml_file_says_its_defect(name: str) -> None:
    first_line = (CORPUS / name).read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith("# defect: ")


@pytest.mark.parametrize("name", FILES)
def test_loading_names_the_place(name: str) -> None:
    expected = EXPECTED[name]
    path = CORPUS / name
    with pytest.raises(InstanceError) as caught:
        load(path)
    error = caught.value
    message = str(error)
    assert "\n" not in message and "\r" not in message
    assert error.place == expected.place
    assert expected.phrase in message
    if expected.place:
        assert message.startswith(f"{expected.place}: ")
    else:
        # Syntax errors have no place inside the document: they name the file instead.
        assert str(path) in message


class Run(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def cli_runs() -> dict[str, Run]:
    """Run ``python -m pluralis inspect FILE`` on every corpus file, in parallel."""

    def run(name: str) -> Run:
        completed = subprocess.run(
            [sys.executable, "-m", "pluralis", "inspect", str(CORPUS / name)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
            check=False,
        )
        return Run(completed.returncode, completed.stdout, completed.stderr)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(zip(FILES, pool.map(run, FILES)))


@pytest.mark.parametrize("name", FILES)
def test_command_line_exits_2_without_traceback(name: str, cli_runs: dict[str, Run]) -> None:
    run = cli_runs[name]
    assert "Traceback" not in run.stderr
    assert run.returncode == 2, run.stderr
    assert "error:" in run.stderr
    output = run.stderr + run.stdout
    assert printable(output, keep="\n") == output  # nothing in it acts on a terminal
    assert EXPECTED[name].place in run.stderr
    assert EXPECTED[name].phrase in run.stderr
