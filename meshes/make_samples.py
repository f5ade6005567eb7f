"""Write the committed sample meshes and their README into this folder.

Run ``python meshes/make_samples.py``. Every file is regenerated from
:func:`geomflow.sample_mesh` at default parameters (the icospheres at levels 1
to 6) and written with :func:`geomflow.save_mesh`, so coordinates are exact.
``tests/test_samples.py`` checks that the files still match the generators.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geomflow as gf

HERE = Path(__file__).resolve().parent

#: (file stem, sample name, parameters) of every committed mesh.
FILES = [(f"icosphere_{level}", "icosphere", {"level": level}) for level in range(1, 7)]
FILES += [
    (name, name, {})
    for name in (
        "uv_sphere",
        "ellipsoid",
        "torus",
        "flat_torus",
        "flat_disk",
        "square_grid",
        "bumpy_sphere",
        "genus2",
    )
]

LENGTHS_FILE = "flat_torus_lengths.txt"

README_INTRO = """\
# Sample meshes

Written by `python meshes/make_samples.py` from `gf.sample_mesh(name)` at
default parameters (the icospheres at `level` 1 to 6); do not edit them by
hand, rerun the script. `tests/test_samples.py` checks that every file still
equals its generator (vertices to 1e-12, faces exactly). All faces are
counter-clockwise seen from outside (from `+z` for the planar ones).
Coordinates are written in shortest round-trip form, so they load exactly.

Load one with `gf.load_mesh("meshes/torus.obj")`, or build it (any size) with
`gf.sample_mesh("torus", n_major=100)`.

`flat_torus.obj` is the periodic 16 x 16 grid drawn as a torus in R³; its flat
metric, which no embedding has, is in `flat_torus_lengths.txt`: one length per
line in the order of `mesh.edges` (legs 1/16, diagonals sqrt(2)/16), the same
as `gf.sample_metric("flat_torus").lengths`. Load it with
`gf.EdgeMetric(mesh, np.loadtxt("meshes/flat_torus_lengths.txt"))`.

χ is V − E + F, b the number of boundary loops.

| file | what it is | V | F | χ | genus | b | good for |
|---|---|---:|---:|---:|---:|---:|---|
"""


def write_all(folder: Path = HERE) -> list[Path]:
    """Write every sample OBJ, the flat-torus lengths and README.md to ``folder``."""
    descriptions = gf.list_sample_meshes()
    written, rows = [], []
    for stem, name, params in FILES:
        mesh = gf.sample_mesh(name, **params)
        path = folder / f"{stem}.obj"
        gf.save_mesh(mesh, path)
        written.append(path)
        rows.append(_table_row(path.name, name, params, mesh, descriptions[name]))

    written.append(_write_flat_torus_lengths(folder / LENGTHS_FILE))

    readme = folder / "README.md"
    readme.write_text(README_INTRO + "\n".join(rows) + "\n")
    written.append(readme)
    return written


def _write_flat_torus_lengths(path: Path) -> Path:
    """One flat edge length per line, in the order of ``mesh.edges``."""
    lengths = gf.sample_metric("flat_torus").lengths
    header = (
        "# Flat metric of flat_torus.obj (n=16, width=1, height=1), written by\n"
        "# meshes/make_samples.py: one length per line, aligned with mesh.edges of\n"
        "# gf.load_mesh('meshes/flat_torus.obj') (pairs i < j, sorted).\n"
    )
    path.write_text(header + "".join(f"{value!r}\n" for value in lengths.tolist()))
    return path


def _table_row(file, name, params, mesh, description) -> str:
    """One README table row: counts from the mesh, text from the registry."""
    what, _, good_for = description.partition("; ")
    if params:
        what += " (" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")"
    cells = [
        f"`{file}`",
        what,
        mesh.n_vertices,
        mesh.n_faces,
        mesh.euler_characteristic,
        mesh.genus,
        len(mesh.boundary_loops),
        good_for,
    ]
    return "| " + " | ".join(str(c) for c in cells) + " |"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="target folder")
    args = parser.parse_args(argv)
    for path in write_all(args.out):
        print(f"wrote {path} ({path.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
