"""The layout of README's map holds: every import arrow points down the layers (DESIGN.md, "The shape").

The layers, from the bottom: the engine's sub-packages in the order of the map (``solver.core`` …
``solver.analysis``), then ``fitting`` and ``instances``, then ``proofs``, then ``pluralis``. An
import from a higher layer, a private name imported from another module, or an engine imported by
the independent verifier is a failure that names the file and the line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("solver", "fitting", "instances", "proofs", "pluralis")

LAYERS: tuple[tuple[str, ...], ...] = (
    ("solver.core",),
    ("solver.conversation",),
    ("solver.lp",),
    ("solver.responses",),
    ("solver.equilibria",),
    ("solver.oracle",),
    ("solver.certificates",),
    ("solver.parametric",),
    ("solver.analysis",),
    ("fitting", "instances"),
    ("proofs",),
    ("pluralis",),
)


def _layer(module: str) -> int | None:
    for rank, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    return None


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def _imports(path: Path) -> list[tuple[int, str, tuple[str, ...]]]:
    """Every import of a project module in a file: (line, module, names imported from it)."""
    return _imports_in(path.read_text(encoding="utf-8"), str(path))


def _imports_in(source: str, name: str) -> list[tuple[int, str, tuple[str, ...]]]:
    tree = ast.parse(source, name)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            found.append((node.lineno, node.module, tuple(alias.name for alias in node.names)))
    return [f for f in found if f[1].split(".")[0] in PACKAGES]


def test_every_module_has_a_layer() -> None:
    assert [str(p) for p in _sources() if _layer(_module_name(p)) is None and p.name != "__init__.py"] == []


def _upward(module_name: str, imports: list[tuple[int, str, tuple[str, ...]]]) -> list[str]:
    own = _layer(module_name)
    if own is None:
        return []
    return [
        f"{module_name}:{line} imports {module}"
        for line, module, _ in imports
        if (rank := _layer(module)) is not None and rank > own
    ]


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_import_points_up_a_layer(path: Path) -> None:
    assert _upward(_module_name(path), _imports(path)) == []


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_name_is_imported_across_modules(path: Path) -> None:
    private = [
        f"{path.relative_to(ROOT)}:{line} imports {name} from {module}"
        for line, module, names in _imports(path)
        for name in names
        if name.startswith("_") and not (name.startswith("__") and name.endswith("__"))
    ]
    assert private == []


def test_the_verifier_imports_only_the_core() -> None:
    path = ROOT / "solver" / "certificates" / "verify.py"
    outside = [module for _, module, _ in _imports(path) if not module.startswith("solver.core")]
    assert outside == []


def test_the_probe_sees_an_upward_arrow() -> None:
    # Control: the layer test would catch the engine importing the oracle or the command line,
    # and lets a module import its own layer and the ones below.
    source = (
        "from solver.oracle.problem import OracleOptions\n"
        "import pluralis.cli\n"
        "from solver.core import numbers\n"
    )
    found = _upward("solver.equilibria.games", _imports_in(source, "probe"))
    assert found == [
        "solver.equilibria.games:1 imports solver.oracle.problem",
        "solver.equilibria.games:2 imports pluralis.cli",
    ]
