"""What an instance file is: one rule for ``reproduce``, ``batch`` and the package data."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pluralis.cli import cli
from pluralis.library import bundled_library, instance_files, is_instance_file

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "instances"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("prosecutor_judge.yaml", True, id="yaml"),
        pytest.param("game.yml", True, id="yml"),
        pytest.param("game.json", True, id="json"),
        pytest.param("GAME.YAML", True, id="upper-case"),
        pytest.param("C2-divided-s0-0012.certificate.yml", False, id="certificate"),
        pytest.param("C2-divided-s0-0012.verdict.json", False, id="verdict"),
        pytest.param("search-state.json", False, id="search-state"),
        pytest.param("catalog.yaml", False, id="catalog"),
        pytest.param(".hidden.yaml", False, id="hidden"),
        pytest.param("generators.py", False, id="python"),
        pytest.param("notes.md", False, id="markdown"),
    ],
)
def test_is_instance_file(name: str, expected: bool) -> None:
    assert is_instance_file(Path("library") / name) is expected


def test_the_witness_folder_holds_instances_beside_their_records() -> None:
    files = instance_files(LIBRARY / "witnesses")
    assert files, "the witness folder has instance files"
    assert all(p.suffix == ".yaml" and ".certificate" not in p.name for p in files)
    records = [p for p in (LIBRARY / "witnesses").iterdir() if not is_instance_file(p)]
    assert any(p.name.endswith(".certificate.yml") for p in records)
    assert any(p.name.endswith(".verdict.json") for p in records)
    assert any(p.name == "search-state.json" for p in records)


def test_the_bundled_library_is_the_instances_package() -> None:
    assert bundled_library().resolve() == LIBRARY.resolve()
    assert instance_files() == instance_files(bundled_library())


def test_batch_inspects_only_the_instances_of_the_witness_folder(tmp_path: Path) -> None:
    library = tmp_path / "witnesses"
    shutil.copytree(LIBRARY / "witnesses", library)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["batch", str(library), "--do", "inspect", "--out", str(out), "-j", "1"])
    assert result.exit_code == 0, result.output
    rows = json.loads((out / "summary.json").read_text(encoding="utf-8"))["rows"]
    assert [r["file"] for r in rows] == [p.relative_to(library).as_posix() for p in instance_files(library)]
    assert all(r["status"] == "ok" for r in rows)


def test_hidden_folders_and_an_excluded_results_folder_are_skipped(tmp_path: Path) -> None:
    source = LIBRARY / "prosecutor_judge.yaml"
    for folder in ("", ".cache/", "results/"):
        (tmp_path / folder).mkdir(exist_ok=True)
        shutil.copy(source, tmp_path / folder / "game.yaml")
    files = instance_files(tmp_path, exclude=tmp_path / "results")
    assert files == [tmp_path / "game.yaml"]


# -- package data: a non-editable install ships every file of the library ------------------------------


def _shipped() -> set[str]:
    """The library files the package-data globs select, expanded as setuptools does."""
    tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11")
    document = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs: list[str] = document["tool"]["setuptools"]["package-data"]["instances"]
    found = set()
    for pattern in globs:
        # setuptools' build_py: glob(os.path.join(package_dir, pattern), recursive=True), files only
        for name in glob.glob(os.path.join(LIBRARY, pattern), recursive=True):
            if os.path.isfile(name):
                found.add(Path(name).relative_to(LIBRARY).as_posix())
    return found


def _library_files_in_git() -> list[str]:
    listing = subprocess.run(
        ["git", "ls-files", "instances"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if listing.returncode != 0 or not listing.stdout.strip():
        pytest.skip("not a git checkout")
    return [
        line.removeprefix("instances/") for line in listing.stdout.splitlines() if not line.endswith(".py")
    ]


def test_package_data_covers_every_file_of_the_library() -> None:
    files = _library_files_in_git()
    assert "witnesses/C2-divided-s0-0012.certificate.yml" in files
    missed = sorted(set(files) - _shipped())
    assert not missed, f"pyproject.toml [tool.setuptools.package-data] misses {missed}"
