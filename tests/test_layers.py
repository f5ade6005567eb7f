"""The layers of the package: a module imports only from layers below its own.

Every import of a geomflow module inside geomflow, at the top of a file or
deferred inside a function, is read from the source. Modules of one
subpackage (``flows``, ``viz``) may import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "geomflow"

#: Bottom to top; a module may import from the layers before its own.
LAYERS = [
    {"errors", "_files", "_kernels"},
    {"_validate"},
    {"mesh"},
    {"io", "repair", "subdivision", "metric", "linalg"},
    {"operators", "intrinsic", "samples"},
    {"energies", "layout", "landscape", "map_quality"},
    {"inner_products"},
    {"flows"},
    {"results"},
    {"viz"},
    {"cli"},
    {"__main__"},
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def _unit(module: str) -> str:
    """The layer unit of a dotted module name below geomflow (a subpackage is one)."""
    return module.split(".")[0]


def _imports(source: str, package: list[str]) -> set[str]:
    """geomflow modules imported by ``source``, relative to the package.

    ``package`` is the subpackage the file is in (``[]`` for geomflow itself,
    ``["flows"]`` for geomflow.flows).
    """
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)]
            if node.module:
                found.add(".".join([*base, node.module]))
            else:
                found.update(".".join([*base, alias.name]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "geomflow."
        ):
            found.add(node.module.removeprefix("geomflow."))
        elif isinstance(node, ast.Import):
            found.update(
                alias.name.removeprefix("geomflow.")
                for alias in node.names
                if alias.name.startswith("geomflow.")
            )
    return found


MODULES = sorted(path for path in PACKAGE.rglob("*.py") if path.name != "__init__.py")


def test_every_module_has_a_layer():
    units = {
        _unit(".".join(p.relative_to(PACKAGE).with_suffix("").parts)) for p in MODULES
    }
    assert units <= set(RANK), f"modules without a layer: {sorted(units - set(RANK))}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_imports_only_lower_layers(path):
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    here = _unit(".".join(parts))
    upward = sorted(
        module
        for module in _imports(path.read_text(), list(parts[:-1]))
        if _unit(module) != here and RANK.get(_unit(module), -1) >= RANK[here]
    )
    assert not upward, f"{path.name} ({here}) imports higher layers: {upward}"


def test_the_check_sees_every_kind_of_import():
    source = """
from .errors import GeomflowError
from .. import map_quality
import geomflow.viz

def later():
    from .engine import GradientFlow
    from geomflow.results import save_result
"""
    assert _imports(source, ["flows"]) == {
        "flows.errors",
        "map_quality",
        "viz",
        "flows.engine",
        "results",
    }
