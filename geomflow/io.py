"""Reading and writing triangle meshes: OBJ, PLY, STL and OFF.

Loading goes through :func:`trimesh.load` with all processing switched off, so
the vertices and faces of the file arrive in file order: nothing is merged,
dropped, re-oriented or reordered (vertices that belong to no face are kept,
and :class:`~geomflow.TriangleMesh` warns about them). STL is the one
exception: it stores every triangle with its own three corners, so coincident
corner positions are welded into shared vertices.

Saving writes to a temporary file in the target folder and renames it, so a
failed or interrupted write never leaves a partial file. OBJ, OFF and PLY are
written here rather than by trimesh's exporters, because those round the
coordinates (fixed decimals in OBJ and OFF, ``float32`` in PLY); the files
written here hold every ``float64`` exactly. STL goes through trimesh and is
``float32`` by definition of the format.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ._files import atomic_path
from .errors import GeomflowError
from .mesh import TriangleMesh

__all__ = ["load_mesh", "save_mesh", "MESH_SUFFIXES"]

logger = logging.getLogger(__name__)

#: File suffixes :func:`load_mesh` and :func:`save_mesh` understand.
MESH_SUFFIXES = (".obj", ".ply", ".stl", ".off")


def load_mesh(path) -> TriangleMesh:
    """Read a triangle mesh from an OBJ, PLY, STL or OFF file.

    Parameters
    ----------
    path : str or os.PathLike
        The file; its suffix (case-insensitive) selects the format.

    Returns
    -------
    TriangleMesh
        Vertices ``(n, 3) float64`` and faces ``(m, 3) int64`` in file order.
        For STL, exactly coincident corner positions become one vertex, in
        order of first occurrence.

    Raises
    ------
    GeomflowError
        If the file does not exist, its suffix is not one of
        :data:`MESH_SUFFIXES`, or trimesh cannot read it.
    MeshError
        If the file holds a malformed mesh (raised by
        :class:`~geomflow.TriangleMesh`).

    Warns
    -----
    GeomflowWarning
        When some vertices of the file belong to no face.
    """
    path = Path(path)
    suffix = _check_suffix(path)
    if not path.is_file():
        raise GeomflowError(
            f"mesh file {str(path)!r} does not exist (or is not a file); "
            "check the path and the working directory"
        )

    vertices, faces = _read_with_trimesh(path)

    if suffix == ".stl":
        vertices, faces = _weld_coincident(vertices, faces, path)
    return TriangleMesh(vertices, faces)


def save_mesh(mesh: TriangleMesh, path) -> None:
    """Write ``mesh`` to ``path`` in the format given by its suffix.

    The data go to a temporary file in the same folder, which then replaces
    ``path`` in one step (:func:`os.replace`). If writing fails, the temporary
    file is removed and an existing file at ``path`` is left untouched.

    Parameters
    ----------
    mesh : TriangleMesh
        The mesh to write.
    path : str or os.PathLike
        Target file; the suffix picks OBJ, PLY, STL or OFF. OBJ, OFF and
        (binary, ``float64``) PLY keep coordinates exactly; STL stores
        ``float32`` corners per triangle, so it loses precision and sharing.

    Raises
    ------
    GeomflowError
        If ``mesh`` is not a TriangleMesh, the suffix is unknown or the folder
        does not exist.
    """
    if not isinstance(mesh, TriangleMesh):
        raise GeomflowError(
            f"save_mesh needs a gf.TriangleMesh, got {type(mesh).__name__}; "
            "build one with gf.TriangleMesh(vertices, faces)"
        )
    path = Path(path)
    suffix = _check_suffix(path)
    folder = path.parent
    if not folder.is_dir():
        raise GeomflowError(
            f"cannot write {str(path)!r}: folder {str(folder)!r} does not exist; "
            "create it first"
        )

    _write_atomically(mesh, path, _WRITERS[suffix])
    logger.debug(
        "wrote %s (%d vertices, %d faces)", path, mesh.n_vertices, mesh.n_faces
    )


# ---------------------------------------------------------------------- reading


def _check_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in MESH_SUFFIXES:
        raise GeomflowError(
            f"cannot tell the mesh format of {str(path)!r} from its suffix "
            f"{path.suffix!r}; use one of {', '.join(MESH_SUFFIXES)}"
        )
    return suffix


def _read_with_trimesh(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Vertices and faces exactly as trimesh reads them, with no processing."""
    import trimesh

    try:
        loaded = trimesh.load(path, process=False, maintain_order=True, force="mesh")
    except Exception as exc:
        raise GeomflowError(
            f"trimesh could not read {str(path)!r} ({type(exc).__name__}: {exc}); "
            "check that the file is a valid mesh in the format its suffix names"
        ) from exc
    if not isinstance(loaded, trimesh.Trimesh):
        raise GeomflowError(
            f"{str(path)!r} did not load as a single triangle mesh (trimesh "
            f"returned {type(loaded).__name__}); export it as one triangle mesh"
        )
    return np.asarray(loaded.vertices), np.asarray(loaded.faces)


def _weld_coincident(vertices, faces, path) -> tuple[np.ndarray, np.ndarray]:
    """Merge bit-identical positions; new vertices keep first-occurrence order.

    Parameters
    ----------
    vertices : (n, 3) float64
    faces : (m, 3) int

    Returns
    -------
    vertices : (n', 3) float64
    faces : (m, 3) int64
    """
    if len(vertices) == 0:
        return vertices, faces
    _, first, inverse = np.unique(
        vertices, axis=0, return_index=True, return_inverse=True
    )
    inverse = inverse.reshape(-1)

    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    welded = vertices[np.sort(first)]

    logger.info(
        "%s: STL stores a triangle soup; welded %d corners into %d vertices "
        "at exactly coincident positions",
        path,
        len(vertices),
        len(welded),
    )
    return welded, rank[inverse][np.asarray(faces, dtype=np.int64)]


# ---------------------------------------------------------------------- writing


def _write_rows(stream, prefix: str, rows: np.ndarray) -> None:
    """One line per row: ``prefix``, then the values (floats in shortest repr).

    ``repr`` of a Python float is the shortest decimal that reads back as the
    same double, so text files written this way round-trip exactly. One
    ``%`` formatting of the whole block is about twice as fast as joining
    the lines one by one.
    """
    n, k = rows.shape
    line = prefix + " ".join(["%r"] * k) + "\n"
    stream.write(((line * n) % tuple(rows.ravel().tolist())).encode("ascii"))


def _write_obj(mesh: TriangleMesh, stream) -> None:
    """Wavefront OBJ: ``v`` lines, then ``f`` lines with 1-based indices."""
    header = f"# geomflow: {mesh.n_vertices} vertices, {mesh.n_faces} faces\n"
    stream.write(header.encode("ascii"))
    _write_rows(stream, "v ", mesh.vertices)
    _write_rows(stream, "f ", mesh.faces + 1)


def _write_off(mesh: TriangleMesh, stream) -> None:
    """OFF: the counts line, vertex lines, then ``3 i j k`` face lines."""
    stream.write(f"OFF\n{mesh.n_vertices} {mesh.n_faces} 0\n".encode("ascii"))
    _write_rows(stream, "", mesh.vertices)
    _write_rows(stream, "3 ", mesh.faces)


def _write_ply(mesh: TriangleMesh, stream) -> None:
    """Binary little-endian PLY with ``double`` coordinates and ``int`` indices."""
    if mesh.n_vertices > np.iinfo(np.int32).max:
        raise GeomflowError(
            f"PLY faces hold 32-bit indices, but the mesh has {mesh.n_vertices} "
            "vertices; save it as OBJ instead"
        )
    header = (
        "ply\nformat binary_little_endian 1.0\ncomment written by geomflow\n"
        f"element vertex {mesh.n_vertices}\n"
        "property double x\nproperty double y\nproperty double z\n"
        f"element face {mesh.n_faces}\n"
        "property list uchar int vertex_indices\nend_header\n"
    )
    faces = np.zeros(mesh.n_faces, dtype=[("count", "u1"), ("index", "<i4", (3,))])
    faces["count"] = 3
    faces["index"] = mesh.faces

    stream.write(header.encode("ascii"))
    stream.write(np.ascontiguousarray(mesh.vertices, dtype="<f8").tobytes())
    stream.write(faces.tobytes())


def _write_stl(mesh: TriangleMesh, stream) -> None:
    """Binary STL through trimesh's exporter (``float32`` corners per face)."""
    mesh.to_trimesh().export(file_obj=stream, file_type="stl")


_WRITERS = {
    ".obj": _write_obj,
    ".off": _write_off,
    ".ply": _write_ply,
    ".stl": _write_stl,
}


def _write_atomically(mesh: TriangleMesh, path: Path, writer) -> None:
    """Let ``writer`` fill a temporary file beside ``path``, then rename it."""
    with atomic_path(path) as temporary, open(temporary, "xb") as stream:
        writer(mesh, stream)
