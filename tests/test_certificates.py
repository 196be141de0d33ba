"""The certificate corpus: ``tests/data/certificates/{valid,invalid,malformed}`` (SPEC.md §9).

As in VeriPB's test corpora (DESIGN.md), the folder is the verdict. Every ``valid/`` certificate
verifies and ``pluralis verify FILE`` exits 0; every ``invalid/`` one (a valid certificate with one
tampering, named by the file) is rejected with a reason naming the failing inequality and exit
status 1; every ``malformed/`` one raises :class:`~solver.certificates.verify.CertificateError` with a
one-line message naming the place, and the command line exits 2 with ``error:`` and no traceback. The corpus
is written by ``tests/data/certificates/make_corpus.py``.
"""

from __future__ import annotations

import enum
import importlib.util
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import pytest

from solver.certificates.certification import CertificationStatus, FullResultStatus
from solver.certificates.records import build_certificate, dumps_certificate, write_certificate
from solver.certificates.verify import CertificateError, load_certificate, verify_file
from solver.core.errors import ModelError
from solver.core.serialization import load
from solver.oracle.deviation import solve_commitment

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "certificates"
FOLDERS = ("valid", "invalid", "malformed")

VALID: dict[str, int] = {
    "colliding_labels_commitment.yaml": 4,
    "complementary_halves_guesser_slice_beta.yaml": 33,
    "complementary_halves_guesser_slice_both.yaml": 34,
    "complementary_halves_parity_slice.yaml": 8,
    "empty_named_message_commitment.yaml": 16,
    "prosecutor_judge_commitment.json": 4,
    "prosecutor_judge_commitment.yaml": 4,
    "prosecutor_judge_revealing_delta.yaml": 4,
    "report_signal_features_commitment.yaml": 64,
    "slash_labels_commitment.yaml": 64,
    "two_users_anonymous.yaml": 41,
}
"""Each valid certificate and the number of deviation programs the verifier checks in it: one per
combination of the users' choices, ``Π_i (stays + (nodes · actions^messages)^features)`` per
deviator (4 for the prosecutor: 2 actions after each of 2 messages; 16 with the two user turns of
``empty_named_message``: 4 nodes · 4; 64 for the forecaster: (2 · 4)^2 with two hunches)."""


COMMITMENT = "a single provider's commitment"
SLICE = "one user's slice of the personalized game"
PROSECUTOR = f"{COMMITMENT} (prosecutor) to user judge"
ORACLE = f"{COMMITMENT} (oracle) to user forecaster"

SUBJECTS: dict[str, str] = {
    "colliding_labels_commitment.yaml": PROSECUTOR,
    "complementary_halves_guesser_slice_beta.yaml": f"{SLICE} over user guesser",
    "complementary_halves_guesser_slice_both.yaml": f"{SLICE} over user guesser",
    "complementary_halves_parity_slice.yaml": f"{SLICE} over user parity",
    "empty_named_message_commitment.yaml": PROSECUTOR,
    "prosecutor_judge_commitment.json": PROSECUTOR,
    "prosecutor_judge_commitment.yaml": PROSECUTOR,
    "prosecutor_judge_revealing_delta.yaml": PROSECUTOR,
    "report_signal_features_commitment.yaml": ORACLE,
    "slash_labels_commitment.yaml": ORACLE,
    "two_users_anonymous.yaml": "anonymous game over users reader, buyer",
}
"""What ``pluralis verify`` says each valid certificate certifies: its mode and users. One provider
makes a commitment; with several, all of the instance's users is the anonymous game and one of
several is a personalized game's slice (complementary_halves.yaml has the users parity and guesser)."""


class Expected(NamedTuple):
    """Where a defect is reported and a phrase of the message."""

    place: str
    phrase: str


INVALID: dict[str, Expected] = {
    "bound_lowered.yaml": Expected(
        "deviations.prosecutor.programs[1]", "the dual bound y·b = 3/5 exceeds the claimed bound"
    ),
    "constant_changed.yaml": Expected("deviations.alpha.programs[0].constant", "stated 1/4, recomputed 1/2"),
    "delta_lowered.yaml": Expected(
        "deviations.prosecutor", "payoff 3/10 + δ 1/10 < deviation bound 3/5: the provider gains"
    ),
    "colliding_labels_forged_bound.yaml": Expected(
        "deviations.prosecutor.programs[1]",
        "dual constraint of column sigma(signal='a][∅][b', history=[], message='c') fails",
    ),
    "dual_entry_changed.yaml": Expected(
        "deviations.prosecutor.programs[1]",
        "dual constraint of column sigma(signal='saw_innocent', history=[], message='m2') fails",
    ),
    "farkas_broken.yaml": Expected(
        "deviations.prosecutor.programs[3]", "Farkas certificate fails: y·b = 0 is not negative"
    ),
    "instance_hash_mismatch.yaml": Expected("instance_hash", "does not match the embedded instance"),
    "negative_multiplier_on_upper_row.yaml": Expected(
        "deviations.prosecutor.programs[1]",
        "obey(user='judge', feature='default', message='m2', action='acquit') is negative (-1)",
    ),
    "payoff_inflated.yaml": Expected("payoffs.alpha", "stated 15/8, recomputed 3/2"),
    "program_missing.yaml": Expected(
        "deviations.beta", "no program certificate for the choices guesser consults"
    ),
    "report_changed.yaml": Expected("payoffs.oracle", "stated 11/16, recomputed 1/2"),
    "rule_not_distribution.yaml": Expected(
        "rules.prosecutor.saw_innocent[0]", "the probabilities 8/7 do not form a distribution"
    ),
    "suboptimal_response.yaml": Expected(
        "responses.judge", "her utility 3/10 is not her best value 7/10: not a best response"
    ),
    "unknown_row_name.yaml": Expected(
        "deviations.prosecutor.programs[1]", "names a row participates(user='judge') that the program"
    ),
    "utility_misstated.yaml": Expected("responses.judge.utility", "stated 4/5, recomputed 7/10"),
}
"""Each invalid certificate: the place that starts one of its reasons, and a phrase of that reason."""

MALFORMED: dict[str, Expected] = {
    "bad_yaml_syntax.yaml": Expected("", "is not valid YAML: expected ',' or '}'"),
    "bound_not_a_number.yaml": Expected("deviations.prosecutor.bound", "expected a number"),
    "duplicate_multiplier.yaml": Expected(
        "deviations.prosecutor.programs[1].certificate.upper[1]",
        "the row obey(user='judge', feature='default', message='m2', action='acquit') has a multiplier "
        "already",
    ),
    "duplicate_user.yaml": Expected("users[1]", "'judge' appears twice"),
    "empty_file.yaml": Expected("", "got an empty document"),
    "float_certificate_version.yaml": Expected("certificate_version", "reads version 2 only, got 2.0"),
    "float_in_json.json": Expected("delta", "the float 0.0 is not exact"),
    "float_number.yaml": Expected("payoffs.prosecutor", "the float 0.6 is not exact; write it as a quoted"),
    "history_as_text.yaml": Expected(
        "rules.prosecutor.saw_guilty[0].history", "a history must be a list of message labels"
    ),
    "instance_float_probability.yaml": Expected("instance.worlds.w1.prob", '"3/10"'),
    "invalid_json.json": Expected("", "is not valid JSON: Unterminated string"),
    "missing_field.yaml": Expected("payoffs", "required field is missing"),
    "non_mapping_section.yaml": Expected("deviations", "must be a mapping"),
    "not_utf8.yaml": Expected("", "is not UTF-8 text"),
    "repeated_rule_node.yaml": Expected(
        "rules.prosecutor.saw_guilty[1].history", "the node [] has an entry already ([0])"
    ),
    "row_missing_field.yaml": Expected(
        "deviations.prosecutor.programs[1].certificate.upper[0].feature", "required field is missing"
    ),
    "row_names_as_text.yaml": Expected(
        "deviations.prosecutor.programs[1].certificate.upper", "must be a list of multipliers"
    ),
    "simplex_row_under_upper.yaml": Expected(
        "deviations.prosecutor.programs[1].certificate.upper[1].row", "a simplex row belongs under equal"
    ),
    "top_level_list.yaml": Expected("", "a certificate must be a mapping, got a list"),
    "unknown_message_label.yaml": Expected(
        "rules.prosecutor.saw_guilty[0].distribution.m3", "unknown label 'm3'"
    ),
    "unknown_program_status.yaml": Expected(
        "deviations.prosecutor.programs[0].status", "must be optimal or infeasible"
    ),
    "unknown_provider_label.yaml": Expected("responses.judge.provider", "unknown label 'defence'"),
    "unknown_row_label.yaml": Expected(
        "deviations.prosecutor.programs[1].certificate.upper[0].message", "unknown label 'm3'"
    ),
    "unknown_top_level_key.yaml": Expected("notes", "unknown key"),
    "users_not_a_list.yaml": Expected("users", "must list the users"),
    "version_1.yaml": Expected(
        "certificate_version",
        "reads version 2 only, got 1: version 1 wrote rows and histories as labels joined into text",
    ),
    "wrong_certificate_version.yaml": Expected("certificate_version", "reads version 2 only, got 3"),
}
"""Each malformed certificate: the place its error names ("" for the file itself) and a phrase."""

EXPECTATIONS: dict[str, dict[str, Any]] = {"valid": VALID, "invalid": INVALID, "malformed": MALFORMED}
FILES = [(folder, name) for folder in FOLDERS for name in sorted(EXPECTATIONS[folder])]
EXIT_STATUS = {"valid": 0, "invalid": 1, "malformed": 2}


YAML_FILES = [(folder, name) for folder, name in FILES if name.endswith(".yaml")]


def _ids(files: list[tuple[str, str]]) -> list[str]:
    return [f"{folder}/{name}" for folder, name in files]


def test_every_file_has_an_expectation_and_back() -> None:
    for folder in FOLDERS:
        on_disk = {p.name for p in (CORPUS / folder).iterdir() if p.is_file()}
        assert on_disk - EXPECTATIONS[folder].keys() == set(), f"{folder}/ files without an expectation"
        assert EXPECTATIONS[folder].keys() - on_disk == set(), f"{folder}/ expectations without a file"


@pytest.mark.parametrize(("folder", "name"), YAML_FILES, ids=_ids(YAML_FILES))
def test_yaml_file_says_what_it_is(folder: str, name: str) -> None:
    first_line = (CORPUS / folder / name).read_bytes().split(b"\n", 1)[0].decode("utf-8")
    assert first_line.startswith("# certificate: " if folder == "valid" else "# defect: ")


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_certificate_verifies(name: str) -> None:
    verification = verify_file(CORPUS / "valid" / name)
    assert verification.reasons == ()
    assert verification.valid
    assert verification.checked_programs == VALID[name]


@pytest.mark.parametrize("name", [n for n in sorted(VALID) if n.endswith(".yaml")])
def test_valid_certificate_is_canonical(name: str) -> None:
    text = (CORPUS / "valid" / name).read_text(encoding="utf-8")
    _, body = text.split("\n", 1)
    assert body == dumps_certificate(load_certificate(CORPUS / "valid" / name))


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_certificate_is_rejected_naming_the_check(name: str) -> None:
    expected = INVALID[name]
    verification = verify_file(CORPUS / "invalid" / name)
    assert not verification.valid
    assert verification.reasons
    assert all("\n" not in reason for reason in verification.reasons)
    matching = [
        r for r in verification.reasons if r.startswith(f"{expected.place}: ") and expected.phrase in r
    ]
    assert matching, verification.reasons


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_certificate_names_the_place(name: str) -> None:
    expected = MALFORMED[name]
    path = CORPUS / "malformed" / name
    with pytest.raises(CertificateError) as caught:
        verify_file(path)
    error = caught.value
    message = str(error)
    assert "\n" not in message and "\r" not in message
    assert isinstance(error, ValueError)
    assert error.place == expected.place
    assert expected.phrase in message
    if expected.place:
        assert message.startswith(f"{expected.place}: ")


class Run(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def cli_runs() -> dict[tuple[str, str], Run]:
    """Run ``python -m pluralis verify FILE`` on every corpus file, in parallel."""

    def run(file: tuple[str, str]) -> Run:
        completed = subprocess.run(
            [sys.executable, "-m", "pluralis", "verify", str(CORPUS / file[0] / file[1])],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
            check=False,
        )
        return Run(completed.returncode, completed.stdout, completed.stderr)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(zip(FILES, pool.map(run, FILES)))


@pytest.mark.parametrize(("folder", "name"), FILES, ids=_ids(FILES))
def test_command_line_exit_status(folder: str, name: str, cli_runs: dict[tuple[str, str], Run]) -> None:
    run = cli_runs[folder, name]
    assert "Traceback" not in run.stderr
    assert run.returncode == EXIT_STATUS[folder], run.stdout + run.stderr
    path = CORPUS / folder / name
    if folder == "valid":
        document = load_certificate(path)
        instance = document["instance"]
        assert run.stdout == (
            f"{path}: valid — equilibrium in full, {SUBJECTS[name]}, δ = {document['delta']}, "
            f'"{instance["title"]}" (sha256 {document["instance_hash"][:12]}…), '
            f"{VALID[name]} deviation programs checked\n"
        )
        assert run.stderr == ""
    elif folder == "invalid":
        first, *reasons = run.stdout.splitlines()
        assert first.startswith(f"{path}: INVALID — claims equilibrium in full, ")
        assert reasons and all(r.startswith("  ") for r in reasons)
        assert run.stderr == ""
    else:
        assert run.stdout == ""
        lines = run.stderr.splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("error: ")
        assert MALFORMED[name].place in lines[0]
        assert MALFORMED[name].phrase in lines[0]


def test_verify_escapes_control_characters_from_the_file(tmp_path: Path) -> None:
    # A title that would clear the screen, set the window title and ring the bell; a label that would
    # turn the text green. Either the instance is refused at load time or the certificate is invalid
    # (the hash no longer matches): both print text from the file, escaped.
    document = load_certificate(CORPUS / "valid" / "prosecutor_judge_commitment.yaml")
    clean = load_certificate(CORPUS / "valid" / "prosecutor_judge_commitment.yaml")
    renamed = dict(clean, users=["judge\x1b[32m"])  # the title stays clean: the label is what is read
    document["instance"]["title"] = "\x1b[2J\x1b]0;pwned\x07 valid (4 deviation programs checked)"
    path = tmp_path / "hostile.yaml"
    write_certificate(document, path)
    other = tmp_path / "hostile_label.yaml"
    write_certificate(renamed, other)
    completed = subprocess.run(
        [sys.executable, "-m", "pluralis", "verify", str(path), str(other)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode in (1, 2)
    assert "\x1b" not in output and "\x07" not in output
    assert "\\x1b[2J" in output and "\\x1b[32m" in output
    assert "Traceback" not in output


def test_verifier_imports_no_search_engine() -> None:
    engines = (
        "solver.equilibria",
        "solver.oracle",
        "solver.lp",
        "solver.responses",
        "solver.certificates.certification",
        "highspy",
        "flint",
        "pulp",
    )
    code = (
        "import solver.certificates.verify, sys; "
        f"bad=[m for m in sys.modules if m.startswith({engines!r})]; print(bad); sys.exit(bool(bad))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300, check=False
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.strip() == "[]"


@pytest.mark.parametrize("instance", ["prosecutor_judge.yaml", "report_signal_features.yaml"])
def test_written_certificate_round_trips(instance: str, tmp_path: Path) -> None:
    game = load(ROOT / "instances" / instance)
    bound = solve_commitment(game)
    users = tuple(range(len(game.users)))
    document = build_certificate(game, users, [bound.rule], [bound])
    for suffix in (".yaml", ".json"):
        path = tmp_path / f"certificate{suffix}"
        write_certificate(document, path)
        assert load_certificate(path) == document
        verification = verify_file(path)
        assert verification.valid, verification.reasons
        assert verification.checked_programs == sum(
            len(entry["programs"]) for entry in document["deviations"].values()
        )


@pytest.mark.parametrize("name", sorted(VALID))
def test_corpus_certificate_rewritten_in_both_formats_verifies(name: str, tmp_path: Path) -> None:
    document = load_certificate(CORPUS / "valid" / name)
    for suffix in (".yaml", ".json"):
        path = tmp_path / f"copy{suffix}"
        write_certificate(document, path)
        assert load_certificate(path) == document
        assert verify_file(path).valid


@pytest.mark.parametrize(
    "status", [*CertificationStatus, *FullResultStatus], ids=lambda s: f"{type(s).__name__}.{s.name}"
)
def test_a_certification_status_round_trips_through_its_text(status: enum.Enum) -> None:
    assert type(status)(status.value) is status


@pytest.mark.parametrize(
    ("statuses", "message"),
    [
        (
            CertificationStatus,
            "unknown certification status 'survives'; use one of 'certified', 'refuted', "
            "'survives the MIP candidates (not certified)', 'NOT certified'",
        ),
        (
            FullResultStatus,
            "unknown full result status 'survives'; use one of 'certified exact', 'not certified: some "
            "deviation bounds are MIP candidates, so every refutation is exact but a survivor may still "
            "have a better deviation', 'NOT certified'",
        ),
    ],
    ids=["CertificationStatus", "FullResultStatus"],
)
def test_an_unknown_certification_status_names_the_allowed_ones(
    statuses: type[enum.Enum], message: str
) -> None:
    with pytest.raises(ModelError) as raised:
        statuses("survives")
    assert str(raised.value) == message


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_valid_corpus_is_what_the_generator_writes() -> None:
    generator = _generator()
    for name, (_, document) in generator.valid_certificates().items():
        assert load_certificate(CORPUS / "valid" / name) == document, name
