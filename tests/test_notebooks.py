"""Every notebook in notebooks/ runs as it is stored and shows its pictures.

Each notebook is executed once per session with nbclient, from ``notebooks/``
and in a kernel running this very interpreter, so it sees the geomflow
installed here. A cell that raises fails the notebook's test. New notebooks
are picked up by the glob below without touching this file.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from ipykernel.kernelspec import write_kernel_spec
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from nbclient import NotebookClient

import geomflow as gf

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))

#: Seconds one cell may run before the notebook fails.
CELL_TIMEOUT = 300

#: Commands jupyter_client replaces by ``sys.executable`` when starting a kernel.
MAJOR, MINOR = sys.version_info[:2]
BARE_PYTHONS = {"python", f"python{MAJOR}", f"python{MAJOR}.{MINOR}"}


def runs_this_python(kernel_name: str) -> bool:
    """Whether the kernel ``kernel_name`` would start the interpreter running us."""
    try:
        command = KernelSpecManager().get_kernel_spec(kernel_name).argv[0]
    except NoSuchKernel:
        return False
    if command in BARE_PYTHONS:
        return True
    # no resolve(): a virtual environment's python is a symlink to the base one
    found = shutil.which(command) or command
    return os.path.abspath(found) == os.path.abspath(sys.executable)


@pytest.fixture(scope="session")
def kernel_name(tmp_path_factory):
    """``"python3"`` if it runs this interpreter, else a kernel made for it here.

    The usual case is a fresh ``.venv``, whose own ``python3`` kernel starts
    its own python. A user-wide ``python3`` kernel pointing elsewhere would
    shadow it; then a kernel spec for ``sys.executable`` is written to a
    temporary folder that ``JUPYTER_PATH`` puts first.
    """
    if runs_this_python("python3"):
        yield "python3"
        return
    folder = tmp_path_factory.mktemp("jupyter")
    write_kernel_spec(folder / "kernels" / "geomflow-tests")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(folder))
        assert runs_this_python("geomflow-tests")
        yield "geomflow-tests"


@pytest.fixture(scope="session")
def executed(kernel_name):
    """``executed(path)``: the notebook after running all its cells, run once.

    Fails the calling test, with the cell's traceback, if any cell raised.
    """
    outcomes = {}

    def run(path: Path):
        if path not in outcomes:
            notebook = nbformat.read(path, as_version=4)
            client = NotebookClient(
                notebook,
                timeout=CELL_TIMEOUT,
                kernel_name=kernel_name,
                resources={"metadata": {"path": str(NOTEBOOKS)}},
            )
            try:
                client.execute()
                outcomes[path] = (notebook, None)
            except Exception as error:  # a cell error, a timeout, a dead kernel
                outcomes[path] = (notebook, error)
        notebook, error = outcomes[path]
        if error is not None:
            pytest.fail(f"{path.name} did not run:\n{error}", pytrace=False)
        return notebook

    return run


def png_outputs(notebook) -> list:
    """The ``display_data`` outputs that carry a PNG picture."""
    return [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "display_data" and "image/png" in output.data
    ]


notebook_paths = pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])


@notebook_paths
def test_notebook_is_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    stored = [
        i
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count)
    ]
    assert not stored, (
        f"{path.name}: cells {stored} hold outputs; clear them before saving "
        "(notebooks/_build.py writes the notebooks it builds without outputs)"
    )


@notebook_paths
def test_notebook_runs(path, executed):
    executed(path)


@notebook_paths
def test_notebook_shows_a_picture(path, executed):
    if not gf.viz.rendering_available():
        pytest.skip("off-screen rendering is not available: mesh pictures skipped")
    pictures = png_outputs(executed(path))
    assert pictures, f"{path.name} displayed no PNG picture"
