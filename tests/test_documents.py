"""Hostile files (issue 14, items 4, 5 and 6, and the label rule): one reader, bounded, escaped.

Every file pluralis reads goes through :mod:`solver.core.documents`. The corpora of
``tests/data/documents`` (folders named by their verdict, after VeriPB's) hold certificates and
search states that must be refused on one line with their place and remedy, and instances written
with a byte-order mark, aliases and merge keys, or labels from across Unicode, that must load. The
malformed instances (labels, YAML 1.1 numbers, aliases, nesting) are in ``tests/data/malformed``
(:mod:`tests.test_malformed_corpus`). Peak memory is measured in a subprocess with
:func:`resource.getrusage`; nothing here measures time.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from rich.table import Table

from pluralis import __version__
from pluralis.output import json_text, output_console
from proofs.search import STATE_FILE, SearchState
from solver.certificates.verify import CertificateError, load_certificate, verify_file
from solver.core.documents import (
    MAX_FILE_SIZE,
    DocumentError,
    ReadLimits,
    load_document,
    parse_document,
    read_text,
    reading_limits,
)
from solver.core.errors import MAX_PLACE_LENGTH, MAX_PROBLEM_LENGTH, InstanceError, is_printable, printable
from solver.core.model import MAX_LABEL_LENGTH, is_label, text_problem
from solver.core.serialization import content_hash, dumps, instance_from_dict, load, loads

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "documents"
MALFORMED = ROOT / "tests" / "data" / "malformed"
CERTIFICATES = ROOT / "tests" / "data" / "certificates" / "valid"
PROSECUTOR = ROOT / "instances" / "prosecutor_judge.yaml"


class Expected(NamedTuple):
    """What the error of one corpus file must say: its exact place and a phrase of the message."""

    place: str
    phrase: str


class Run(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


def _run(*arguments: str | Path, cwd: Path = ROOT) -> Run:
    completed = subprocess.run(
        [sys.executable, "-m", "pluralis", *map(str, arguments)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
        check=False,
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)


def _refused_cleanly(run: Run) -> None:
    """Exit status 2, one ``error:`` line per refusal, no traceback, nothing that acts on a terminal."""
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert all(line.startswith("error: ") for line in run.stderr.splitlines() if line.strip())
    output = run.stdout + run.stderr
    assert printable(output, keep="\n") == output


# -- certificates ----------------------------------------------------------------------------------------

CERTIFICATE_CORPUS = DATA / "certificates" / "malformed"

MALFORMED_CERTIFICATES: dict[str, Expected] = {
    "alias_bomb.yaml": Expected("", "holds more than 1,000,000 values"),
    "binary_version.yaml": Expected(
        "certificate_version", "YAML 1.1 reads 0b10 (line 2) as a binary number, 2"
    ),
    "duplicate_payoff.json": Expected("payoffs.prosecutor", "appears twice in one object"),
    "duplicate_payoff.yaml": Expected("payoffs.prosecutor", "appears twice in one mapping (lines 67 and 67)"),
    "escape_sequence_label.yaml": Expected(
        "instance.providers[0]", "label 'prosecutor\\x1b[31m' holds the character U+001B"
    ),
    "lone_surrogate_title.json": Expected("instance.title", "lone UTF-16 surrogate"),
    "octal_weight.yaml": Expected("instance.stakes.prosecutor.judge.weight", "as an octal number, 8"),
}


def test_certificate_corpus_and_expectations_match() -> None:
    assert {p.name for p in CERTIFICATE_CORPUS.iterdir()} == set(MALFORMED_CERTIFICATES)


@pytest.mark.parametrize("name", sorted(MALFORMED_CERTIFICATES))
def test_a_malformed_certificate_names_the_place(name: str) -> None:
    expected = MALFORMED_CERTIFICATES[name]
    path = CERTIFICATE_CORPUS / name
    with pytest.raises(CertificateError) as caught:
        verify_file(path)
    message = str(caught.value)
    assert "\n" not in message
    assert caught.value.place == expected.place
    assert expected.phrase in message
    assert len(message) <= MAX_PLACE_LENGTH + MAX_PROBLEM_LENGTH + 2


def test_verify_refuses_each_malformed_certificate_on_one_line() -> None:
    names = sorted(MALFORMED_CERTIFICATES)
    run = _run("verify", *(CERTIFICATE_CORPUS / name for name in names))
    _refused_cleanly(run)
    lines = run.stderr.splitlines()
    assert len(lines) == len(names)
    for line, name in zip(lines, names):
        assert str(CERTIFICATE_CORPUS / name) in line and MALFORMED_CERTIFICATES[name].phrase in line


def test_the_certificate_loader_refuses_the_duplicate_key_the_issue_names(tmp_path: Path) -> None:
    path = tmp_path / "certificate.yaml"
    path.write_text("payoffs: {P1: '0', P1: '1'}\n", encoding="utf-8")
    with pytest.raises(CertificateError, match=r"^payoffs\.P1: this key appears twice in one mapping"):
        load_certificate(path)


@pytest.mark.parametrize("name", ["prosecutor_judge_commitment.json", "prosecutor_judge_commitment.yaml"])
def test_a_certificate_with_a_byte_order_mark_verifies(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + (CERTIFICATES / name).read_bytes())
    assert load_certificate(path) == load_certificate(CERTIFICATES / name)
    assert verify_file(path).valid
    run = _run("verify", path)
    assert run.returncode == 0, run.stdout + run.stderr


# -- search states and batch results ---------------------------------------------------------------------

STATE_CORPUS = DATA / "search-state"

MALFORMED_STATES: dict[str, str] = {
    "duplicate_run.json": "runs: this key appears twice in one object",
    "empty.json": "is not valid JSON: Expecting value at line 1, column 1",
    "float_index.json": "runs.C1/random/uniform/s0.state.next_index: unknown field or wrong type",
    "lone_surrogate.json": "lone UTF-16 surrogate",
    "no_runs.json": "expected a mapping with the field 'runs'",
    "not_a_mapping.json": "expected a mapping with the field 'runs'",
    "not_utf8.json": "is not UTF-8 text (byte 20)",
    "state_missing.json": "expected a mapping with the fields 'run' and 'state'",
    "truncated.json": "is not valid JSON",
    "unknown_field.json": "state.tries: unknown field or wrong type",
    "wrong_type.json": "state.tried: unknown field or wrong type",
}
"""Each damaged ``search-state.json``: a phrase of its one-line error (which also names the remedy)."""


def test_state_corpus_and_expectations_match() -> None:
    assert {p.name for p in (STATE_CORPUS / "malformed").iterdir()} == set(MALFORMED_STATES)


def _state_folder(tmp_path: Path, source: Path) -> Path:
    out = tmp_path / source.stem
    out.mkdir()
    shutil.copyfile(source, out / STATE_FILE)
    return out


@pytest.mark.parametrize("name", sorted(MALFORMED_STATES))
def test_a_damaged_search_state_is_refused_with_the_remedy(name: str, tmp_path: Path) -> None:
    out = _state_folder(tmp_path, STATE_CORPUS / "malformed" / name)
    with pytest.raises(DocumentError) as caught:
        SearchState(out)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(out / STATE_FILE))
    assert MALFORMED_STATES[name] in message
    assert f"delete {out / STATE_FILE} to start the searches of this folder afresh" in message


def test_search_refuses_every_damaged_state_on_one_line(tmp_path: Path) -> None:
    def run(name: str) -> tuple[str, Run]:
        out = _state_folder(tmp_path, STATE_CORPUS / "malformed" / name)
        return name, _run("search", "--claim", "C1", "--method", "random", "--budget", "1", "--out", out)

    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = dict(pool.map(run, sorted(MALFORMED_STATES)))
    for name, result in runs.items():
        _refused_cleanly(result)
        assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1, result.stderr
        assert MALFORMED_STATES[name] in result.stderr and "delete" in result.stderr


@pytest.mark.parametrize("name", ["plain.json", "with_bom.json"])
def test_a_search_state_with_or_without_a_byte_order_mark_is_read(name: str, tmp_path: Path) -> None:
    out = _state_folder(tmp_path, STATE_CORPUS / "valid" / name)
    expected = json.loads((STATE_CORPUS / "valid" / "plain.json").read_text(encoding="utf-8"))
    assert SearchState(out).runs == expected["runs"]


def _result_file(out: Path) -> Path:
    """The one result file of a batch over one instance (the record naming its instance file)."""
    (result,) = [
        path
        for path in out.glob("*.json")
        if isinstance(record := json.loads(path.read_text(encoding="utf-8")), dict) and "file" in record
    ]
    return result


def test_a_batch_result_with_a_repeated_key_is_computed_again(tmp_path: Path) -> None:
    library = tmp_path / "library"
    library.mkdir()
    shutil.copyfile(PROSECUTOR, library / "prosecutor.yaml")
    out = tmp_path / "out"
    assert _run("batch", library, "--do", "inspect", "--out", out, "-j", "1").returncode == 0
    result = _result_file(out)
    first = json.loads(result.read_text(encoding="utf-8"))
    # A second "status" would win in a plain JSON reader: the record is not trusted but recomputed.
    text = result.read_text(encoding="utf-8")
    text = text.replace('"status": "ok"', '"status": "ok", "status": "error"', 1)
    result.write_text(text, encoding="utf-8")
    assert _run("batch", library, "--do", "inspect", "--out", out, "-j", "1").returncode == 0
    again = json.loads(result.read_text(encoding="utf-8"))
    assert again["status"] == "ok" and again["result"] == first["result"]


# -- instances that must load -----------------------------------------------------------------------------

VALID_INSTANCES = sorted((DATA / "instances" / "valid").iterdir())


@pytest.mark.parametrize("path", VALID_INSTANCES, ids=lambda p: p.name)
def test_a_valid_instance_loads_round_trips_and_inspects(path: Path) -> None:
    instance = load(path)
    assert loads(dumps(instance)) == instance
    assert loads(dumps(instance, "json"), "json") == instance
    if path.name.startswith("prosecutor_judge"):
        # A byte-order mark, aliases and merge keys change nothing of the instance.
        assert content_hash(instance) == content_hash(load(PROSECUTOR))
    run = _run("inspect", path)
    assert run.returncode == 0, run.stderr
    assert printable(run.stdout, keep="\n") == run.stdout


def test_yaml_and_json_with_a_byte_order_mark_read_alike() -> None:
    text = PROSECUTOR.read_text(encoding="utf-8")
    as_json = json.dumps(yaml.safe_load(text))
    assert loads("\ufeff" + text) == loads(text) == loads("\ufeff" + as_json, "json")


# -- bounds on what a file costs --------------------------------------------------------------------------

MEMORY_ALLOWANCE = 64 * 2**20
"""Peak memory a refused file may add to the command's own (imports): 64 MiB (16 MiB of /dev/zero
read, a little more). Before these bounds the alias bomb took 1.8 GB and /dev/zero ran out of memory."""

_PEAK = """
import resource, sys
from pluralis.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    status = exit.code
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(status, peak if sys.platform == "darwin" else peak * 1024)
"""


def _peak(*arguments: str | Path) -> tuple[int, int]:
    """Exit status and peak resident memory, in bytes, of one command run in a fresh process."""
    completed = subprocess.run(
        [sys.executable, "-c", _PEAK, *map(str, arguments)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    status, peak = completed.stdout.split()[-2:]
    return int(status), int(peak)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_peak_memory_of_the_alias_bomb_and_dev_zero_is_bounded() -> None:
    status, baseline = _peak("inspect", "--help")
    assert status == 0
    cases = [
        ("inspect", MALFORMED / "alias_bomb.yaml"),
        ("verify", CERTIFICATE_CORPUS / "alias_bomb.yaml"),
        ("inspect", Path("/dev/zero")),
        ("verify", Path("/dev/zero")),
    ]
    for command, path in cases:
        status, peak = _peak(command, path)
        assert status == 2
        assert peak <= baseline + MEMORY_ALLOWANCE, (command, path, peak - baseline)


def test_the_file_size_limit_reads_one_byte_more_than_it_allows(tmp_path: Path) -> None:
    path = tmp_path / "instance.yaml"
    shutil.copyfile(PROSECUTOR, path)
    size = path.stat().st_size
    assert load(path, ReadLimits(max_file_size=size)) == load(PROSECUTOR)
    with pytest.raises(InstanceError, match=rf"is larger than {size - 1:,} bytes.*--max-file-size BYTES"):
        load(path, ReadLimits(max_file_size=size - 1))
    with reading_limits(max_file_size=size - 1), pytest.raises(InstanceError, match="is larger than"):
        load(path)
    assert load(path) == load(PROSECUTOR)  # the default limit is back
    assert MAX_FILE_SIZE == 16 * 2**20
    with pytest.raises(DocumentError, match="larger than"):
        read_text("/dev/zero")


def test_max_file_size_is_an_option_of_every_command_that_reads_files(tmp_path: Path) -> None:
    path = tmp_path / "instance.yaml"
    shutil.copyfile(PROSECUTOR, path)
    for command in ("inspect", "solve", "check", "verify"):
        run = _run(command, path, "--max-file-size", "100")
        _refused_cleanly(run)
        assert "is larger than 100 bytes" in run.stderr and "--max-file-size" in run.stderr
    assert _run("inspect", path, "--max-file-size", str(path.stat().st_size)).returncode == 0
    library = tmp_path / "library"
    library.mkdir()
    shutil.copyfile(PROSECUTOR, library / "prosecutor.yaml")
    # A batch's workers read under the command's limit: the instance is recorded as refused.
    out = tmp_path / "out"
    _run("batch", library, "--do", "inspect", "--out", out, "-j", "1", "--max-file-size", "100")
    result = _result_file(out)
    record = json.loads(result.read_text(encoding="utf-8"))
    assert record["status"] == "error" and "is larger than 100 bytes" in record["error"]
    for command in ("reproduce", "batch", "search", "fit"):
        assert "--max-file-size" in _run(command, "--help").stdout


def test_a_value_of_megabytes_gives_a_message_of_a_line() -> None:
    document = yaml.safe_load(PROSECUTOR.read_text(encoding="utf-8"))
    document["states"] = ["x" * 10**7, "innocent"]
    with pytest.raises(InstanceError) as caught:
        instance_from_dict(document)
    assert len(str(caught.value)) <= MAX_PLACE_LENGTH + MAX_PROBLEM_LENGTH + 2
    document = yaml.safe_load(PROSECUTOR.read_text(encoding="utf-8"))
    document["stakes"]["prosecutor"]["judge"]["weight"] = [[list(range(10**5))] * 100] * 100
    with pytest.raises(InstanceError) as caught:
        instance_from_dict(document)
    assert len(str(caught.value)) < 300
    with pytest.raises(InstanceError) as caught:
        loads(json.dumps({"a" * 10**6: 1}), "json")
    assert len(str(caught.value)) <= MAX_PLACE_LENGTH + MAX_PROBLEM_LENGTH + 2


def test_the_value_count_of_json_is_bounded_before_it_is_built() -> None:
    text = "[" + ",".join(["[]"] * 2000) + "]"
    assert len(parse_document(text, "json")) == 2000
    with pytest.raises(DocumentError, match="holds more than 1,000 values"):
        parse_document(text, "json", limits=ReadLimits(max_nodes=1000))


def test_a_document_file_is_read_by_its_suffix(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"a": 010}', encoding="utf-8")
    with pytest.raises(DocumentError, match="is not valid JSON"):
        load_document(tmp_path / "a.json")
    (tmp_path / "a.yaml").write_text('{"a": 010}', encoding="utf-8")
    with pytest.raises(DocumentError, match="octal"):
        load_document(tmp_path / "a.yaml")


# -- the label rule ---------------------------------------------------------------------------------------


def _with_state(label: str) -> dict[str, object]:
    """The prosecutor's instance with its first state relabelled."""
    text = PROSECUTOR.read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    return json.loads(json.dumps(document).replace('"guilty"', json.dumps(label)))


@given(st.text(min_size=1, max_size=12))
def test_a_label_loads_exactly_when_the_rule_accepts_it_and_then_round_trips(label: str) -> None:
    document = _with_state(label)
    if not is_label(label) or label == "innocent":
        with pytest.raises(InstanceError) as caught:
            instance_from_dict(document)
        assert "\n" not in str(caught.value)
        assert printable(str(caught.value)) == str(caught.value)
        return
    instance = instance_from_dict(document)
    assert instance.states[0] == label
    assert loads(dumps(instance)) == instance
    assert loads(dumps(instance, "json"), "json") == instance


@pytest.mark.parametrize(
    ("label", "phrase"),
    [
        pytest.param("a\x1b[31m", "U+001B", id="escape"),
        pytest.param("a\u202eb", "U+202E (RIGHT-TO-LEFT OVERRIDE)", id="bidi"),
        pytest.param("a\u200db", "U+200D (ZERO WIDTH JOINER)", id="zero-width-joiner"),
        pytest.param("a\u2028b", "U+2028 (LINE SEPARATOR)", id="line-separator"),
        pytest.param("a\u00a0b", "the space U+00A0", id="no-break-space"),
        pytest.param(" a", "begins or ends with a space", id="leading-space"),
        pytest.param("a\t", "U+0009", id="tab"),
        pytest.param("e\u0301", "normal form NFC: labels are", id="decomposed"),
        pytest.param("x" * (MAX_LABEL_LENGTH + 1), "more than 100", id="long"),
        pytest.param("\ud800", "lone UTF-16 surrogate", id="surrogate"),
    ],
)
def test_the_label_rule_names_the_character_and_the_remedy(label: str, phrase: str) -> None:
    problem = text_problem(label)
    assert problem is not None and phrase in problem
    assert not is_label(label)
    with pytest.raises(InstanceError, match=r"^states\[0\]: ") as caught:
        instance_from_dict(_with_state(label))
    assert phrase in str(caught.value)


@pytest.mark.parametrize("label", ["a b", "∅", "a][∅][b", "x/y", "é", "日本", "😀", "=", "0.5", "a" * 100])
def test_the_label_rule_accepts_printable_text(label: str) -> None:
    assert is_label(label)
    assert instance_from_dict(_with_state(label)).states[0] == label


def test_descriptions_keep_lines_and_tabs_and_titles_stay_on_one_line() -> None:
    assert text_problem("line one\n\tline two", "text") is None
    assert text_problem("line one\nline two", "line") is not None
    assert text_problem("a\rb", "text") is not None
    assert text_problem("x" * 100_001, "text") is not None


# -- terminal output --------------------------------------------------------------------------------------


def _shows_as_itself(text: str) -> bool:
    return all(c == "\n" or is_printable(c) for c in text)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[2J", "\\x1b[2J"),
        ("a\x07b", "a\\x07b"),
        ("\x9b31m", "\\x9b31m"),
        ("r\u202el", "r\\u202el"),
        ("\ud800", "\\ud800"),
        ("\U000e0001", "\\U000e0001"),
        ("plain ∅ 日本 😀", "plain ∅ 日本 😀"),
    ],
)
def test_printable_escapes_what_would_act_on_a_terminal(text: str, shown: str) -> None:
    assert printable(text) == shown


@given(st.text())
def test_json_output_escapes_and_reads_back_the_same(text: str) -> None:
    document = {"data": {text: [text, {"k": text}]}}
    output = json_text(document, "pluralis.test/1")
    assert _shows_as_itself(output)
    read = json.loads(output)
    assert (read.pop("pluralis_version"), read.pop("schema")) == (__version__, "pluralis.test/1")
    assert read == document


@given(st.text())
def test_the_console_never_prints_a_character_that_acts_on_a_terminal(text: str) -> None:
    console = output_console()
    table = Table(title=text)
    table.add_column(text)
    table.add_row(text)
    with console.capture() as captured:
        console.print(text)
        console.print(table)
        console.rule(text)
    assert _shows_as_itself(captured.get())


def test_an_escape_sequence_in_a_title_is_shown_escaped(tmp_path: Path) -> None:
    run = _run("inspect", MALFORMED / "title_escape_sequences.yaml")
    _refused_cleanly(run)
    assert "\\x1b]0;pwned\\x07\\x1b[2J" in run.stderr


def test_file_names_with_escape_sequences_are_shown_escaped(tmp_path: Path) -> None:
    library = tmp_path / "library"
    library.mkdir()
    shutil.copyfile(PROSECUTOR, library / "ok.yaml")
    (library / "bad\x1b[32m.yaml").write_text("states: [", encoding="utf-8")
    run = _run("reproduce", "--library", library, "--report", tmp_path / "report.md")
    assert run.returncode == 2
    assert "bad\\x1b[32m.yaml" in run.stderr
    output = run.stdout + run.stderr
    assert printable(output, keep="\n") == output and "Traceback" not in output
