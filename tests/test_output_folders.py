"""Where commands write (issue 14, items 3, 5 and 7): certificates, batch results, search and fit.

No file name is built from a label: certificates are numbered, batch results follow the library's
own relative paths (suffix included), search and fit use fixed names. Every file written lies in
the folder asked for, and is listed; a folder holding another run's files is refused on one line
(exit 2, no traceback) or cleared with ``--replace``, which never removes a file the command
does not write. JSON results list at most ``--max-output-equilibria`` equilibria, with exact
counts. The instances of ``tests/data/outputs`` are valid files whose labels look like paths.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from pluralis.batch import MANIFEST, SUMMARY_CSV, SUMMARY_JSON
from pluralis.cli import cli
from proofs.search import STATE_FILE, SearchState
from solver.core.serialization import content_hash, load

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "outputs"
LABELS = DATA / "labels"
PATH_LIKE_USERS = LABELS / "path_like_users.yaml"
PATH_LIKE_PROVIDERS = LABELS / "path_like_providers.yaml"
PROSECUTOR = ROOT / "instances" / "prosecutor_judge.yaml"
CERTIFICATE_NAME = re.compile(r"(equilibrium-[1-9][0-9]*|commitment(-[1-9][0-9]*)?)\.yaml")


def _run(*arguments: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in arguments])


def _refused(result: Result, *phrases: str) -> None:
    """Exit status 2 with one line ``error: ...`` that says each phrase, and no traceback."""
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder (hidden ones too) with its bytes; symbolic links by their target."""
    return {
        p.relative_to(folder).as_posix(): (
            f"-> {p.readlink()}".encode() if p.is_symlink() else p.read_bytes()
        )
        for p in sorted(folder.rglob("*"))
        if p.is_symlink() or p.is_file()
    }


# -- certificates --------------------------------------------------------------------------------------


def _solve_full(instance: Path, folder: Path, *options: str) -> Result:
    return _run("solve", instance, "--class", "full", "--certificates", folder, *options)


def _label_cases() -> list[Any]:
    cases = []
    for path in sorted(LABELS.glob("*.yaml")):
        # Several providers: numbered equilibria; one provider: a commitment per user (personalized)
        # or one for all (anonymous, which grows fast with the users: tried with one).
        users = len(load(path).users)
        modes = ["anonymous"] if path == PATH_LIKE_PROVIDERS else ["personalized"] * (users > 1)
        modes += ["anonymous"] * (users == 1)
        cases += [pytest.param(path, mode, id=f"{path.stem}-{mode}") for mode in modes]
    return cases


@pytest.mark.parametrize(("instance", "mode"), _label_cases())
def test_certificates_are_numbered_inside_the_folder_whatever_the_labels(
    tmp_path: Path, instance: Path, mode: str
) -> None:
    folder = tmp_path / "deep" / "inside" / "certificates"
    result = _solve_full(instance, folder, "--mode", mode, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    listed = [Path(p) for p in document["certificates"]]
    # Every file written is listed, lies directly in the folder and is named by a number.
    assert sorted(_snapshot(tmp_path)) == sorted(p.relative_to(tmp_path).as_posix() for p in listed)
    assert all(p.parent == folder and CERTIFICATE_NAME.fullmatch(p.name) for p in listed)
    assert document["certificates_removed"] == []
    game = load(instance)
    if len(game.providers) == 1:
        expected = (
            ["commitment.yaml"]
            if mode == "anonymous"
            else [f"commitment-{i + 1}.yaml" for i in range(len(game.users))]
        )
        assert [p.name for p in listed] == expected
        # Each commitment says which file holds its certificate.
        assert [Path(c["certificate"]).name for c in document["commitments"]] == expected
        # Each commitment's users are keyed by label, the last one towards the file's last user.
        assert list(document["commitments"][-1]["users"])[-1] == game.users[-1].label
    else:
        assert [p.name for p in listed] == [f"equilibrium-{k}.yaml" for k in range(1, len(listed) + 1)]
    verified = _run("verify", *listed)
    assert verified.exit_code == 0, verified.output


def test_the_text_output_lists_every_certificate_with_what_it_certifies(tmp_path: Path) -> None:
    folder = tmp_path / "certificates"
    result = _solve_full(PATH_LIKE_USERS, folder, "--mode", "personalized")
    assert result.exit_code == 0, result.output
    labels = [u.label for u in load(PATH_LIKE_USERS).users]
    for i, label in enumerate(labels):
        path = folder / f"commitment-{i + 1}.yaml"
        assert f"certificate written: {path} (optimal commitment towards {label})" in result.stdout
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"commitment-{i + 1}.yaml" for i in range(5))


def test_a_rerun_into_the_same_folder_writes_the_same_files(tmp_path: Path) -> None:
    folder = tmp_path / "certificates"
    assert _solve_full(PATH_LIKE_PROVIDERS, folder).exit_code == 0
    first = _snapshot(folder)
    assert len(first) == 12
    again = _solve_full(PATH_LIKE_PROVIDERS, folder)
    assert again.exit_code == 0, again.output
    assert _snapshot(folder) == first
    assert again.stdout.count("certificate written: ") == 12


def test_certificates_of_another_instance_are_refused_then_replaced_on_request(tmp_path: Path) -> None:
    folder = tmp_path / "certificates"
    assert _solve_full(PATH_LIKE_USERS, folder, "--mode", "personalized").exit_code == 0
    before = _snapshot(folder)
    # The judge of prosecutor_judge.yaml would be commitment-1.yaml: refused before any work.
    refused = _solve_full(PROSECUTOR, folder, "--mode", "personalized")
    _refused(refused, str(folder), "commitment-1.yaml", "--replace")
    assert _snapshot(folder) == before
    replaced = _solve_full(PROSECUTOR, folder, "--mode", "personalized", "--replace", "--json")
    assert replaced.exit_code == 0, replaced.output
    document = json.loads(replaced.stdout)
    assert document["certificates"] == [str(folder / "commitment-1.yaml")]
    assert document["certificates_removed"] == [str(folder / f"commitment-{i}.yaml") for i in range(2, 6)]
    assert sorted(_snapshot(folder)) == ["commitment-1.yaml"]
    written = yaml.safe_load((folder / "commitment-1.yaml").read_text(encoding="utf-8"))
    assert written["instance_hash"] == content_hash(load(PROSECUTOR))


def test_a_certificate_this_run_would_not_write_is_refused_once_the_run_decides_it(tmp_path: Path) -> None:
    folder = tmp_path / "certificates"
    assert _solve_full(PATH_LIKE_PROVIDERS, folder).exit_code == 0
    reference = _snapshot(folder)
    # Same instance, so the first look lets them through; the run then knows there is no 13th
    # equilibrium and that the second one's certificate reads otherwise.
    shutil.copyfile(folder / "equilibrium-1.yaml", folder / "equilibrium-13.yaml")
    with (folder / "equilibrium-2.yaml").open("a", encoding="utf-8") as file:
        file.write("# edited\n")
    damaged = _snapshot(folder)
    refused = _solve_full(PATH_LIKE_PROVIDERS, folder)
    _refused(refused, "equilibrium-13.yaml", "equilibrium-2.yaml", "--replace")
    assert _snapshot(folder) == damaged
    # Another mode of the same instance: other equilibria, other certificates.
    _refused(_solve_full(PATH_LIKE_PROVIDERS, folder, "--mode", "personalized"), "--replace")
    replaced = _solve_full(PATH_LIKE_PROVIDERS, folder, "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert f"certificate removed (--replace): {folder / 'equilibrium-13.yaml'}" in replaced.stdout
    assert _snapshot(folder) == reference


@pytest.mark.parametrize("replace", [False, True])
def test_a_folder_with_files_the_command_never_writes_is_refused(tmp_path: Path, replace: bool) -> None:
    folder = tmp_path / "certificates"
    folder.mkdir()
    outside = tmp_path / "outside.yaml"
    outside.write_text("kept\n", encoding="utf-8")
    for name, make in (
        ("notes.txt", lambda p: p.write_text("mine\n", encoding="utf-8")),
        ("equilibrium-1.yaml", lambda p: p.symlink_to(outside)),  # would write through the link
        ("equilibria", lambda p: p.mkdir()),
    ):
        make(folder / name)
        before = _snapshot(tmp_path)
        result = _solve_full(PATH_LIKE_PROVIDERS, folder, *(["--replace"] if replace else []))
        _refused(result, "does not write", name, "choose an empty or new folder")
        assert _snapshot(tmp_path) == before
        shutil.rmtree(folder / name) if (folder / name).is_dir() else (folder / name).unlink()


def test_the_folder_of_an_interrupted_run_is_resumed_not_refused(tmp_path: Path) -> None:
    # What an interrupted run leaves: the certificates of the equilibria checked, nothing else.
    reference = tmp_path / "reference"
    assert _solve_full(PATH_LIKE_PROVIDERS, reference).exit_code == 0
    folder = tmp_path / "certificates"
    folder.mkdir()
    for k in (1, 2, 3):
        shutil.copyfile(reference / f"equilibrium-{k}.yaml", folder / f"equilibrium-{k}.yaml")
    (folder / f".equilibrium-4.yaml.{12345}.tmp").write_text("half", encoding="utf-8")  # a kill
    result = _solve_full(PATH_LIKE_PROVIDERS, folder)
    assert result.exit_code == 0, result.output
    assert _snapshot(folder) == _snapshot(reference)


# -- batch ---------------------------------------------------------------------------------------------


def _library(tmp_path: Path) -> Path:
    library = tmp_path / "library"
    shutil.copytree(DATA / "library", library)
    return library


def _batch(library: Path, out: Path | None, *options: str) -> Result:
    return _run("batch", library, "--do", "inspect", "-j", "1", *(["--out", out] if out else []), *options)


@pytest.mark.parametrize("where", ["library", "inside", "deeper", "above"])
def test_a_results_folder_in_or_around_the_library_is_refused(tmp_path: Path, where: str) -> None:
    library = _library(tmp_path)
    out = {
        "library": library,
        "inside": library / "sub",
        "deeper": library / "results" / "inspect",
        "above": tmp_path,
    }[where]
    before = _snapshot(tmp_path)
    phrase = {"library": "is the library", "above": "contains the library"}.get(where, "lies inside")
    _refused(_batch(library, out), phrase, "choose a folder outside it")
    assert _snapshot(tmp_path) == before


def test_the_default_results_folder_of_the_current_folder_lies_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = _library(tmp_path)
    monkeypatch.chdir(library)
    before = _snapshot(library)
    assert _batch(Path("."), None).exit_code == 0
    assert _snapshot(library) == before
    assert (tmp_path / "library-inspect" / SUMMARY_JSON).is_file()


def test_one_result_file_per_instance_path_suffix_included(tmp_path: Path) -> None:
    library = _library(tmp_path)
    out = tmp_path / "out"
    first = _batch(library, out)
    assert first.exit_code == 0, first.output
    instances = ["batch.json", "sub/x.yaml", "summary.json", "x.json", "x.yaml"]
    results = {f"{name}.json" for name in instances}
    assert set(_snapshot(out)) == results | {MANIFEST, SUMMARY_JSON, SUMMARY_CSV}
    for name in instances:
        assert json.loads((out / f"{name}.json").read_text(encoding="utf-8"))["file"] == name
    summary = json.loads((out / SUMMARY_JSON).read_text(encoding="utf-8"))
    assert summary["options"] == {"do": "inspect"}
    assert [row["file"] for row in summary["rows"]] == instances
    # x.yaml and x.json no longer share (and overwrite) one result: the rerun computes nothing.
    files = _snapshot(out)
    again = _batch(library, out)
    assert again.exit_code == 0, again.output
    assert "0 computed, 5 taken from earlier results" in again.stdout
    assert _snapshot(out) == files


def test_a_rerun_with_other_options_is_refused_unless_replace(tmp_path: Path) -> None:
    library = _library(tmp_path)
    out = tmp_path / "out"
    solve = ["--do", "solve", "--out", out, "-j", "1"]
    assert _run("batch", library, *solve).exit_code == 0
    files = _snapshot(out)
    refused = _run("batch", library, *solve, "--delta", "1/10")
    _refused(refused, "other options", "delta 0 there, 1/10 here", "--replace", "another --out")
    assert _snapshot(out) == files
    # An interrupted run leaves its options recorded: refused all the same.
    for name in list(files):
        if name != MANIFEST:
            (out / name).unlink()
    _refused(_run("batch", library, *solve, "--delta", "1/10"), "delta 0 there, 1/10 here")
    assert _run("batch", library, *solve).exit_code == 0
    replaced = _run("batch", library, *solve, "--delta", "1/10", "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert "removed 8 files of a batch with other options" in replaced.stdout
    summary = json.loads((out / SUMMARY_JSON).read_text(encoding="utf-8"))
    assert summary["options"]["delta"] == "1/10"
    records = [json.loads((out / f"{r['file']}.json").read_text(encoding="utf-8")) for r in summary["rows"]]
    assert {r["options"]["delta"] for r in records} == {"1/10"}
    assert set(_snapshot(out)) == set(files)


def test_replace_removes_only_what_a_batch_writes(tmp_path: Path) -> None:
    library = _library(tmp_path)
    out = tmp_path / "out"
    # A folder of an earlier pluralis (no batch.json, x.json for x.yaml) is refused, then cleared.
    out.mkdir()
    (out / "x.json").write_text('{\n  "file": "x.yaml",\n  "status": "ok"\n}\n', encoding="utf-8")
    (out / SUMMARY_JSON).write_text("[]\n", encoding="utf-8")
    _refused(_batch(library, out), f"no {MANIFEST}", "--replace")
    # ... but not while it also holds a file of the user's: nothing is removed.
    (out / "notes.json").write_text('{"mine": true}\n', encoding="utf-8")
    before = _snapshot(out)
    _refused(_batch(library, out, "--replace"), "notes.json", "batch does not write")
    assert _snapshot(out) == before
    (out / "notes.json").unlink()
    cleared = _batch(library, out, "--replace")
    assert cleared.exit_code == 0, cleared.output
    assert "x.json" not in _snapshot(out) and "x.yaml.json" in _snapshot(out)


def test_a_results_folder_that_is_a_file_is_refused(tmp_path: Path) -> None:
    library = _library(tmp_path)
    out = tmp_path / "out"
    out.write_text("a file\n", encoding="utf-8")
    result = _batch(library, out)
    assert result.exit_code == 2 and "Traceback" not in result.output


# -- JSON size -------------------------------------------------------------------------------------------


def _indifferent(signals: int) -> dict[str, Any]:
    """Two providers with no stake in the user: every profile is an equilibrium (3^signals rules each)."""
    names = [f"s{k}" for k in range(signals)]
    zero = {"a1": {"y1": 0, "y2": 0}, "a2": {"y1": 0, "y2": 0}}
    return {
        "schema_version": 1,
        "title": "Indifferent providers",
        "states": ["y1", "y2"],
        "providers": {"P1": {"signals": names}, "P2": {"signals": names}},
        "users": {
            "U": {"actions": ["a1", "a2"], "utility": {"a1": {"y1": 1, "y2": 0}, "a2": {"y1": 0, "y2": 1}}}
        },
        "worlds": {
            f"w{k}": {
                "prob": f"1/{signals}",
                "state": "y1" if k % 2 else "y2",
                "signals": {"P1": f"s{k}", "P2": f"s{k}"},
            }
            for k in range(signals)
        },
        "stakes": {p: {"U": {"weight": 0, "utility": zero}} for p in ("P1", "P2")},
        "protocol": {"turns": ["P"], "provider_messages": ["m1", "m2", "m3"], "user_messages": []},
    }


def test_solve_json_lists_at_most_the_equilibria_asked_with_exact_counts(tmp_path: Path) -> None:
    path = DATA / "many_equilibria.yaml"
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == _indifferent(3)
    whole = _run("solve", path, "--json")
    assert whole.exit_code == 0
    everything = json.loads(whole.stdout)
    assert everything["count"] == everything["equilibria_listed"] == 729
    assert everything["truncated"] is False
    cut = _run("solve", path, "--json", "--max-output-equilibria", "5")
    assert cut.exit_code == 0
    document = json.loads(cut.stdout)
    assert (document["count"], document["equilibria_listed"], document["truncated"]) == (729, 5, True)
    assert document["equilibria"] == everything["equilibria"][:5]
    assert (document["worst"], document["best"]) == (everything["worst"], everything["best"])
    assert "--max-output-equilibria N" in cut.stderr and "729 equilibria, the first 5 listed" in cut.stderr

    # batch records the option and writes the same truncated result.
    library = tmp_path / "library"
    library.mkdir()
    shutil.copyfile(path, library / "many.yaml")
    out = tmp_path / "out"
    batch = _run("batch", library, "--do", "solve", "--out", out, "-j", "1", "--max-output-equilibria", "5")
    assert batch.exit_code == 0, batch.output
    record = json.loads((out / "many.yaml.json").read_text(encoding="utf-8"))
    assert record["options"]["max_output_equilibria"] == 5
    # The command's JSON is the batch record's result headed by the version and schema stamp.
    assert {"pluralis_version", "schema", *record["result"]} == set(document)
    assert record["result"] == {k: v for k, v in document.items() if k not in ("pluralis_version", "schema")}
    assert json.loads((out / SUMMARY_JSON).read_text(encoding="utf-8"))["rows"][0]["summary"]["count"] == 729


def test_solve_full_json_lists_at_most_the_equilibria_asked(tmp_path: Path) -> None:
    folder = tmp_path / "certificates"
    result = _solve_full(PATH_LIKE_PROVIDERS, folder, "--json", "--max-output-equilibria", "2")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["checked"], document["equilibria_listed"], document["truncated"]) == (12, 2, True)
    assert len(document["certificates"]) == 12  # every certificate is still written


@pytest.mark.slow
def test_a_game_of_531441_equilibria_prints_a_bounded_json(tmp_path: Path) -> None:
    import resource
    import subprocess
    import sys

    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(_indifferent(6)), encoding="utf-8")
    output = tmp_path / "big.json"
    with output.open("wb") as stdout:
        run = subprocess.run(
            [sys.executable, "-m", "pluralis", "solve", str(path), "--json"],
            stdout=stdout,
            stderr=subprocess.PIPE,
            check=False,
        )
    assert run.returncode == 0, run.stderr
    document = json.loads(output.read_text(encoding="utf-8"))
    assert (document["count"], document["equilibria_listed"], document["truncated"]) == (531_441, 1000, True)
    assert output.stat().st_size < 5 * 2**20
    # The enumeration itself keeps the equilibria (about 1 GB here); the JSON adds little to it.
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < 2 * 2**20  # kilobytes: 2 GB


# -- search and fit --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", sorted(p.name for p in (DATA / "search-state").glob("malformed_*.json")), ids=lambda n: n[10:-5]
)
def test_a_search_state_naming_files_outside_its_folder_is_refused(tmp_path: Path, name: str) -> None:
    out = tmp_path / "results"
    out.mkdir()
    shutil.copyfile(DATA / "search-state" / name, out / STATE_FILE)
    for victim in (tmp_path / "victim.yaml", out / ".victim.yaml"):
        victim.write_text("kept\n", encoding="utf-8")
    before = _snapshot(tmp_path)
    result = _run("search", "--claim", "C7", "--method", "random", "--budget", "1", "--out", out)
    _refused(result, "not one the search writes", "delete")
    assert _snapshot(tmp_path) == before


def test_a_search_state_with_the_names_the_search_writes_is_read(tmp_path: Path) -> None:
    shutil.copyfile(DATA / "search-state" / "valid_names.json", tmp_path / STATE_FILE)
    [entry] = SearchState(tmp_path).runs.values()
    assert entry["state"]["record_name"] == "C7-near-aligned-s-1-0008"


def test_search_names_its_files_from_the_claim_family_seed_and_index_only(tmp_path: Path) -> None:
    out = tmp_path / "found"
    arguments = ["search", "--claim", "C5a", "--method", "random", "--budget", "2", "--no-shrink"]
    result = _run(*arguments, "--out", out)
    assert result.exit_code == 0, result.output
    names = sorted(_snapshot(tmp_path))
    assert names and all(name.startswith("found/") and "/" not in name[6:] for name in names)
    stems = {name[6:].split(".")[0] for name in names} - {"search-state"}
    assert stems and all(re.fullmatch(r"C5a-persuader-s0-\d{4}", stem) for stem in stems)


def test_fit_refuses_an_output_folder_that_would_overwrite_its_input(tmp_path: Path) -> None:
    from fitting.estimation import table_to_csv
    from fitting.synthetic import SyntheticSettings, generate_table

    table = tmp_path / "points.csv"
    table.write_text(table_to_csv(generate_table(SyntheticSettings(items=6, providers=3, groups=2))), "utf-8")
    before = _snapshot(tmp_path)
    _refused(_run("fit", table, "--out", tmp_path), "would overwrite the input points.csv")
    assert _snapshot(tmp_path) == before
