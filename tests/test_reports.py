"""Honest reports: parts and findings, exit statuses, every bad file named, limits named, text that prints."""

from __future__ import annotations

import json
import pickle
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

import pluralis.api
import pluralis.cli
from pluralis.batch import SUMMARY_JSON
from pluralis.cli import cli
from proofs.check import check_claims
from proofs.claim import FINDING, Status, Verdict
from solver.core.errors import ClassTooLargeError, InstanceError, Limit
from solver.core.serialization import instance_from_dict, load, loads

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = ROOT / "instances"
WITNESSES = INSTANCES / "witnesses"
CERTIFICATES = Path(__file__).parent / "data" / "certificates"
C4_WITNESS = WITNESSES / "C4-hypothesis-s4-r00.yaml"
C7_WITNESS = WITNESSES / "C7-hypothesis-s0-r00.yaml"


def run(*arguments: str) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in arguments])


def _markdown_table(text: str, header_start: str) -> list[dict[str, str]]:
    """The rows of the Markdown table whose header line starts with ``header_start``."""
    lines = text.splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith(header_start))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(dict(zip(header, (c.strip() for c in line.strip("|").split("|")))))
    return rows


@pytest.fixture(scope="module")
def reproduced(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, str]:
    library = tmp_path_factory.mktemp("library")
    for path in (
        INSTANCES / "complementary_halves.yaml",
        INSTANCES / "noisy_witness.yaml",
        C4_WITNESS,
        C7_WITNESS,
    ):
        shutil.copy(path, library / path.name)
    report = library.parent / "report.md"
    result = CliRunner().invoke(
        cli, ["reproduce", "--library", str(library), "--report", str(report)], terminal_width=250
    )
    return result, report.read_text(encoding="utf-8")


# -- reproduce: each part of a claim, and findings for the open questions ---------------------------------


def test_reproduce_gives_each_part_of_c5_its_own_verdict_and_reason(reproduced: tuple[Result, str]) -> None:
    result, report = reproduced
    assert result.exit_code == 0, result.output
    rows = {r["instance"]: r for r in _markdown_table(report, "| instance |")}
    # Complementary halves witnesses part (b) only; the noisy witness part (a) only.
    assert rows["complementary_halves.yaml"]["C5 (a)"] == "vacuous"
    assert rows["complementary_halves.yaml"]["C5 (b)"] == "holds -1/2"
    assert rows["noisy_witness.yaml"]["C5 (a)"] == "holds -1/4"
    assert rows["noisy_witness.yaml"]["C5 (b)"] == "vacuous"
    assert "C5" not in rows["noisy_witness.yaml"]
    # In the instance's own table the reason beside part (b)'s verdict is part (b)'s.
    lines = result.output.splitlines()
    line_b = next(line for line in lines if line.startswith("C5 (b)") and "holds" in line)
    assert "(b)" in line_b and "(a)" not in line_b
    line_a = next(line for line in lines if line.startswith("C5 (a)") and "vacuous" in line)
    assert "(a)" in line_a


def test_reproduce_counts_each_part_in_the_claims_table(reproduced: tuple[Result, str]) -> None:
    _, report = reproduced
    rows = {r["claim"]: r for r in _markdown_table(report, "| claim |")}
    assert rows["C5 (a)"]["holds"] == "1" and rows["C5 (b)"]["holds"] == "1"
    assert rows["C5 the conditions matter"]["holds"] == "2"


def test_reproduce_never_says_an_open_question_holds(reproduced: tuple[Result, str]) -> None:
    result, report = reproduced
    rows = {r["instance"]: r for r in _markdown_table(report, "| instance |")}
    for row in rows.values():
        assert not row["C4"].startswith("holds") and not row["C7"].startswith("holds")
    assert rows[C7_WITNESS.name]["C7"] == "record ratio 2"
    assert rows["noisy_witness.yaml"]["C7"] == "record ratio 1/4"
    # Its user gets 2/5 (acting on the prior) against C1's bound Bench = 1/2 with ε = 0 (README).
    assert rows[C4_WITNESS.name]["C4"] == "C1 fails with adversarial ties, margin -1/10"
    assert rows["noisy_witness.yaml"]["C4"] == "no failure, margin 3/4"
    counts = {r["claim"]: r for r in _markdown_table(report, "| claim |")}
    for claim in ("C4 tie sensitivity", "C7 tightness"):
        assert counts[claim]["holds"] == "0" and counts[claim]["counterexample"] == "0"
    assert counts["C4 tie sensitivity"]["finding"] == "4"
    # The C4 witness's own table: the outcome is a finding, and its reason is the failing run's.
    line = next(line for line in result.output.splitlines() if line.startswith("C4 ") and "finding" in line)
    assert "C1 fails with adversarial ties" in line
    assert "C1, canonical ties: holds" not in line


def test_open_claims_report_a_finding_in_check() -> None:
    result = run("check", C7_WITNESS, "--claim", "C7", "--claim", "C4", "--json")
    assert result.exit_code == 0, result.output
    claims = json.loads(result.output)["claims"]
    assert claims["C7"]["outcome"] == FINDING and claims["C7"]["finding"] == "record ratio 2"
    assert claims["C7"]["verdict"] == "holds"  # the checker's verdict is kept for the search records
    assert claims["C4"]["outcome"] == FINDING and claims["C4"]["finding"] == "no failure"
    text = run("check", C4_WITNESS, "--claim", "C4", "--claim", "C7")
    assert "C4 (open): FINDING: C1 fails with adversarial ties" in text.output
    assert "C7 (open): VACUOUS" in text.output
    assert "HOLDS" not in text.output


def test_c5_reports_its_parts_in_check() -> None:
    instance = load(INSTANCES / "complementary_halves.yaml")
    result = check_claims(instance, ["C5"])["C5"]
    parts = {p.claim: p for p in result.parts}
    assert parts["C5a"].verdict is Verdict.VACUOUS and parts["C5b"].verdict is Verdict.HOLDS
    document = result.to_json()
    assert document["parts"]["C5b"]["verdict"] == "holds"
    # A part's witness is the claim's own witness for that part, written once.
    assert "witness" not in document["parts"]["C5b"]["details"]
    assert document["details"]["witness"]["b"] is not None
    text = run("check", INSTANCES / "complementary_halves.yaml", "--claim", "C5").output
    assert "C5 (a): VACUOUS" in text and "C5 (b): HOLDS" in text


def test_only_open_questions_have_findings() -> None:
    results = check_claims(load(INSTANCES / "noisy_witness.yaml"))
    for claim_id, result in results.items():
        if result.status is Status.OPEN and result.verdict is not Verdict.VACUOUS:
            assert result.outcome == FINDING and result.finding, claim_id
        else:
            assert result.outcome == result.verdict.value and not result.finding, claim_id


# -- check --fail-on counterexample ------------------------------------------------------------------------


def test_check_fails_on_a_counterexample_to_a_theorem_only_when_asked() -> None:
    arguments = ("check", C4_WITNESS, "--claim", "C1", "--tie-policy", "adversarial")
    assert run(*arguments).exit_code == 0
    failing = run(*arguments, "--fail-on", "counterexample")
    assert failing.exit_code == 1
    assert "counterexample to C1" in failing.output
    as_json = run(*arguments, "--fail-on", "counterexample", "--json")
    assert as_json.exit_code == 1


def test_check_fail_on_ignores_findings_and_holding_theorems() -> None:
    # C4's failing run is a finding about an open question, not a counterexample to a theorem.
    assert run("check", C4_WITNESS, "--claim", "C4", "--fail-on", "counterexample").exit_code == 0
    assert run("check", INSTANCES / "prosecutor_judge.yaml", "--fail-on", "counterexample").exit_code == 0


# -- every bad file named, worst status ---------------------------------------------------------------------


def test_verify_checks_every_file_and_exits_with_the_worst_status() -> None:
    malformed = sorted((CERTIFICATES / "malformed").glob("*.yaml"))[:2]
    valid = sorted((CERTIFICATES / "valid").glob("*.yaml"))[0]
    invalid = sorted((CERTIFICATES / "invalid").glob("*.yaml"))[0]
    result = CliRunner().invoke(
        cli, ["verify", str(malformed[0]), str(valid), str(invalid), str(malformed[1])]
    )
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 2
    for path, line in zip(malformed, errors):
        assert line.startswith(f"error: {path}")
    assert f"{valid}: valid" in result.stdout and f"{invalid}: INVALID" in result.stdout
    assert CliRunner().invoke(cli, ["verify", str(valid), str(invalid)]).exit_code == 1
    assert CliRunner().invoke(cli, ["verify", str(valid), str(valid)]).exit_code == 0


def test_reproduce_names_every_unreadable_file_and_checks_the_others(tmp_path: Path) -> None:
    library = tmp_path / "library"
    library.mkdir()
    shutil.copy(INSTANCES / "prosecutor_judge.yaml", library / "good.yaml")
    (library / "a_float.yaml").write_text(
        (INSTANCES / "prosecutor_judge.yaml").read_text(encoding="utf-8").replace('"3/10"', "0.3"),
        encoding="utf-8",
    )
    (library / "z_empty.yaml").write_text("", encoding="utf-8")
    report = tmp_path / "report.md"
    result = CliRunner().invoke(cli, ["reproduce", "--library", str(library), "--report", str(report)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 2
    assert errors[0].startswith(f"error: {library / 'a_float.yaml'}: ") and "float" in errors[0]
    assert errors[1].startswith(f"error: {library / 'z_empty.yaml'}: ")
    text = report.read_text(encoding="utf-8")
    assert "| good.yaml | holds 2 |" in text
    assert "## Files that could not be read" in text and "`a_float.yaml`" in text


# -- limits: every one an option, and its refusal names that option ----------------------------------------


def test_solve_names_the_class_limit_option() -> None:
    for spelling in ("--class-limit", "--limit"):
        result = run("solve", INSTANCES / "prosecutor_judge.yaml", "--class", "grid:3", spelling, "10")
        assert result.exit_code == 2
        assert "raise it with --class-limit N" in result.output


def test_check_names_an_option_it_has() -> None:
    result = run("check", INSTANCES / "prosecutor_judge.yaml", "--class", "grid:3", "--class-limit", "10")
    assert result.exit_code == 2
    assert "raise it with --class-limit N" in result.output
    assert (
        run("check", INSTANCES / "prosecutor_judge.yaml", "--claim", "C1", "--class-limit", "100").exit_code
        == 0
    )


def test_the_choice_limit_is_named_as_such() -> None:
    result = run(
        "solve", INSTANCES / "two_providers_two_users.yaml", "--class", "full", "--oracle", "exhaustive",
        "--choice-limit", "1",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "raise it with --choice-limit N" in result.output
    assert "--limit N" not in result.output


def test_the_selection_limit_is_an_option_of_solve_and_batch(tmp_path: Path) -> None:
    result = run("solve", INSTANCES / "two_providers_two_users.yaml", "--selection-limit", "0")
    assert result.exit_code == 2
    assert (
        "best-response selections" in result.output and "raise it with --selection-limit N" in result.output
    )
    assert (
        run("solve", INSTANCES / "two_providers_two_users.yaml", "--selection-limit", "1000").exit_code == 0
    )
    library = tmp_path / "library"
    library.mkdir()
    shutil.copy(INSTANCES / "two_providers_two_users.yaml", library)
    out = tmp_path / "out"
    batch = run("batch", library, "--do", "solve", "--selection-limit", "0", "--out", out, "-j", "1")
    assert batch.exit_code == 1
    rows = json.loads((out / SUMMARY_JSON).read_text(encoding="utf-8"))["rows"]
    assert "raise it with --selection-limit N" in rows[0]["error"]


def test_check_and_search_take_the_limits(tmp_path: Path) -> None:
    result = run(
        "check", INSTANCES / "two_providers_two_users.yaml", "--claim", "C3", "--selection-limit", "0"
    )
    assert result.exit_code == 2 and "--selection-limit N" in result.output
    out = tmp_path / "search"
    search = run(
        "search", "--claim", "C1", "--method", "random", "--budget", "1", "--out", out,
        "--selection-limit", "7", "--choice-limit", "9", "--class-limit", "50000",
    )  # fmt: skip
    assert search.exit_code == 0, search.output
    state = json.loads((out / "search-state.json").read_text(encoding="utf-8"))
    (run_state,) = state["runs"] if isinstance(state.get("runs"), list) else state["runs"].values()
    options = json.dumps(run_state)
    assert (
        '"selection_limit": 7' in options and '"choice_limit": 9' in options and '"limit": 50000' in options
    )


def test_a_refusal_names_the_python_parameter_and_survives_pickling() -> None:
    error = ClassTooLargeError("the things", 12, 10, Limit.SELECTION)
    assert "selection_limit=N" in str(error) and "--" not in str(error)
    named = error.naming("--selection-limit")
    assert "raise it with --selection-limit N" in str(named) and named.kind is Limit.SELECTION
    again = pickle.loads(pickle.dumps(named))
    assert str(again) == str(named) and again.option == "--selection-limit"


# -- a set T in JSON --------------------------------------------------------------------------------------


def _comma_document() -> dict[str, Any]:
    """Three providers labelled ``a``, ``b`` and ``a+b``: the sets {a, b} and {"a+b"} differ.

    (A comma in a provider label is refused at load time; any other text may spell a set.)
    """
    labels = ["a", "b", "a+b"]
    utility = {"left": {"y0": 1, "y1": 0}, "right": {"y0": 0, "y1": 1}}
    return {
        "states": ["y0", "y1"],
        "providers": {p: {"signals": ["s0", "s1"]} for p in labels},
        "users": {"U": {"actions": ["left", "right"], "utility": utility}},
        "worlds": {
            "w0": {"prob": "1/2", "state": "y0", "signals": dict.fromkeys(labels, "s0")},
            "w1": {"prob": "1/2", "state": "y1", "signals": {"a": "s1", "b": "s1", "a+b": "s0"}},
        },
        "stakes": {p: {"U": {"weight": 1, "utility": utility}} for p in labels},
        "protocol": {"turns": ["P"], "provider_messages": ["m0", "m1"], "user_messages": []},
    }


def test_inspect_json_keys_a_set_by_the_list_of_its_labels(tmp_path: Path) -> None:
    path = tmp_path / "commas.yaml"
    path.write_text(yaml.safe_dump(_comma_document()), encoding="utf-8")
    result = run("inspect", path, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    sets = [tuple(entry["T"]) for entry in document["users"]["U"]["benchmarks"]]
    assert len(sets) == len(set(sets)) == 7
    values = {tuple(entry["T"]): entry["value"] for entry in document["users"]["U"]["benchmarks"]}
    # {a, b} both see the state; "a+b" alone sees nothing.
    assert values[("a", "b")] == "1" and values[("a+b",)] == "1/2"
    for key in ("garblings", "strong_alignment"):
        assert len({tuple(entry["T"]) for entry in document[key]}) == len(document[key])
    assert {tuple(e["T"]) for e in document["users"]["U"]["alignment"]} == set(sets)


def test_batch_inspect_summary_reads_the_sets_as_lists(tmp_path: Path) -> None:
    library = tmp_path / "library"
    library.mkdir()
    (library / "commas.yaml").write_text(yaml.safe_dump(_comma_document()), encoding="utf-8")
    out = tmp_path / "out"
    assert run("batch", library, "--do", "inspect", "--out", out, "-j", "1").exit_code == 0
    (row,) = json.loads((out / SUMMARY_JSON).read_text(encoding="utf-8"))["rows"]
    # Bench_U(K) with K = {a, b, "a+b"}: the meet of the three partitions reveals nothing.
    assert row["summary"]["users"]["U"] == {"opt": "1", "bench_all": "1/2"}


# -- no traceback on any text in a file -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "place"),
    [
        pytest.param("title: Prosecutor and judge", 'title: "Judge \\ud800 here"', "title", id="title"),
        pytest.param("saw_guilty", '"s\\udc00"', "providers.prosecutor.signals[0]", id="label"),
        pytest.param("judge:\n", '"j\\udfff":\n', "users[0]", id="key"),
    ],
)
def test_a_lone_surrogate_is_refused_at_load_time_with_its_place(
    tmp_path: Path, old: str, new: str, place: str
) -> None:
    text = (INSTANCES / "prosecutor_judge.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "surrogate.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(InstanceError) as refused:
        load(path)
    assert refused.value.place == place
    assert "surrogate" in str(refused.value)
    str(refused.value).encode("utf-8")  # the message itself prints
    result = run("inspect", path)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("error: ")
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_character_above_u_ffff_is_text() -> None:
    text = (INSTANCES / "prosecutor_judge.yaml").read_text(encoding="utf-8")
    instance = loads(text.replace("title: Prosecutor and judge", 'title: "Judge \\U0001F600"'))
    assert instance.title == "Judge \U0001f600"
    document = yaml.safe_load(text)
    as_json = json.dumps(document).replace('"title": "', '"title": "\\ud83d\\ude00 ')
    assert loads(as_json, "json").title.startswith("\U0001f600 ")
    # YAML's \u escapes are single UTF-16 units: a pair written so is two lone surrogates.
    with pytest.raises(InstanceError, match="surrogate"):
        loads(text.replace("title: Prosecutor and judge", 'title: "Judge \\ud83d\\ude00"'))


def test_a_surrogate_in_a_json_description_is_refused() -> None:
    document = yaml.safe_load((INSTANCES / "prosecutor_judge.yaml").read_text(encoding="utf-8"))
    text = json.dumps(document).replace('"description": "', '"description": "\\ud83d ')
    with pytest.raises(InstanceError, match=r"^description: text '\\ud83d One persuader"):
        loads(text, "json")
    document["description"] = "\ud83d"
    with pytest.raises(InstanceError, match="surrogate"):
        instance_from_dict(document)


# -- solve: no equilibrium under the default tie rule ------------------------------------------------------


def test_solve_says_how_many_equilibria_other_ties_give_when_the_default_gives_none() -> None:
    result = CliRunner().invoke(cli, ["solve", str(C4_WITNESS), "--mode", "personalized"], terminal_width=250)
    assert result.exit_code == 0, result.output
    assert "0 equilibrium profile(s)" in result.output
    line = next(line for line in result.output.splitlines() if line.startswith("no equilibrium with"))
    assert re.search(r"\d+ with canonical ties, \d+ with adversarial ties", line)
    as_json = json.loads(run("solve", C4_WITNESS, "--mode", "personalized", "--json").output)
    counts = as_json["other_tie_policies"]["counts"]
    assert as_json["count"] == 0 and set(counts) == {"canonical", "adversarial"}
    for policy, count in counts.items():
        again = json.loads(
            run("solve", C4_WITNESS, "--mode", "personalized", "--tie-policy", policy, "--json").output
        )
        assert again["count"] == count


def test_solve_gives_no_hint_when_there_are_equilibria_or_other_ties_were_asked() -> None:
    found = json.loads(run("solve", INSTANCES / "prosecutor_judge.yaml", "--json").output)
    assert found["count"] > 0 and found["other_tie_policies"] is None
    asked = run("solve", C4_WITNESS, "--mode", "personalized", "--tie-policy", "canonical")
    assert "no equilibrium with" not in asked.output


def test_solve_does_not_count_other_ties_on_a_large_game(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pluralis.api, "HINT_PROFILE_LIMIT", 1)
    result = CliRunner().invoke(cli, ["solve", str(C4_WITNESS), "--mode", "personalized"], terminal_width=250)
    assert "not counted under other ties" in result.output
    as_json = json.loads(run("solve", C4_WITNESS, "--mode", "personalized", "--json").output)
    assert as_json["other_tie_policies"]["counts"] is None
