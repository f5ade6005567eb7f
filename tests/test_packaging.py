"""Packaging: the conda environment and pyproject.toml name the same packages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]


def package_name(requirement: str) -> str:
    name = re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0]
    return name.lower().replace("_", "-")


def conda_dependencies() -> set[str]:
    """Package names listed under ``dependencies:`` in environment.yml."""
    names, inside = set(), False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        if line.startswith("dependencies:"):
            inside = True
        elif inside and line.strip().startswith("- "):
            names.add(package_name(line.strip()[2:]))
        elif inside and line and not line.startswith(" "):
            inside = False
    return names - {"python", "pip"}


def test_environment_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_names = {package_name(r) for r in project["dependencies"]}
    assert conda_dependencies() == pip_names


def test_required_packages_are_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_names = {package_name(r) for r in project["dependencies"]}
    assert {"numpy", "scipy", "trimesh", "pyvista", "numba"} <= pip_names
