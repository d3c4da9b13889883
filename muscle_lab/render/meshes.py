"""Reading the bone meshes OpenSim models use: ASCII VTK XML PolyData (`.vtp`) files.

OpenSim (through Simbody) reads only the ASCII flavour, so every mesh it can display is one;
a small xml.etree + numpy reader is enough. Polygons (quads, n-gons) are fan-triangulated and
triangle strips unrolled; vertex normals come from the file or are computed.
"""

from __future__ import annotations

import functools
import os
import stat
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class MeshFormatError(ValueError):
    """A mesh file that is not the ASCII VTK XML PolyData this reader handles."""


@dataclass(frozen=True)
class TriangleMesh:
    """Triangles over shared vertices: positions and unit normals (n x 3, float32) and
    vertex indices (m x 3, uint32)."""

    positions: np.ndarray
    normals: np.ndarray
    triangles: np.ndarray

    @property
    def triangle_count(self) -> int:
        return len(self.triangles)


def read_vtp(path: str | os.PathLike[str]) -> TriangleMesh:
    """Read an ASCII `.vtp` file. Raises MeshFormatError (with the file named) if it cannot:
    whatever numpy refuses in it too, so that one bad file costs its mesh only."""
    path = Path(path)
    try:
        return _read_vtp(path)
    except (ValueError, IndexError, TypeError, OverflowError) as error:  # MeshFormatError included
        if isinstance(error, MeshFormatError):
            raise
        raise MeshFormatError(f"{path.name}: malformed ({type(error).__name__}: {error})") from None


def _read_vtp(path: Path) -> TriangleMesh:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        raise MeshFormatError(f"{path.name}: not an XML file ({error})") from None
    if root.tag != "VTKFile" or root.get("type") != "PolyData":
        raise MeshFormatError(f"{path.name}: not a VTK PolyData file")
    pieces = root.findall("./PolyData/Piece")
    if not pieces:
        raise MeshFormatError(f"{path.name}: no PolyData piece")
    positions, normals, triangles = [], [], []
    offset = 0
    for piece in pieces:
        values = _array(piece.find("./Points/DataArray"), path, "points")
        if values.size % 3:
            raise MeshFormatError(f"{path.name}: {values.size} point coordinates, not a multiple of 3")
        points = values.reshape(-1, 3)
        piece_triangles = np.vstack(
            [
                np.zeros((0, 3), dtype=np.int64),
                *_cells(piece.find("Polys"), path, _fan),
                *_cells(piece.find("Strips"), path, _strip),
            ]
        )
        if len(piece_triangles) and (piece_triangles.min() < 0 or piece_triangles.max() >= len(points)):
            raise MeshFormatError(f"{path.name}: a polygon refers to a point that does not exist")
        piece_normals = _point_normals(piece, len(points), path)
        if piece_normals is None:
            piece_normals = vertex_normals(points, piece_triangles)
        positions.append(points)
        normals.append(piece_normals)
        triangles.append(piece_triangles + offset)
        offset += len(points)
    return TriangleMesh(
        positions=np.vstack(positions).astype(np.float32),
        normals=_unit(np.vstack(normals)).astype(np.float32),
        triangles=np.vstack(triangles).astype(np.uint32),
    )


@functools.lru_cache(maxsize=256)
def _read_cached(path: str, modified: float, size: int, cell: float) -> TriangleMesh:
    mesh = read_vtp(path)
    return simplify(mesh, cell) if cell > 0 else mesh


def load_mesh(path: str | os.PathLike[str], cell: float = 0.0) -> TriangleMesh:
    """`read_vtp` (then `simplify` if `cell` > 0) once per file; again only if the file changes.
    Only regular files are read (a FIFO would block the render thread for ever)."""
    status = os.stat(path)
    if not stat.S_ISREG(status.st_mode):
        raise MeshFormatError(f"{Path(path).name}: not a regular file")
    return _read_cached(str(Path(path).resolve()), status.st_mtime, status.st_size, float(cell))


def simplify(mesh: TriangleMesh, cell: float) -> TriangleMesh:
    """Merge the vertices within each `cell`-sized cube (vertex clustering) and drop the
    triangles that collapse. At 4 mm the default model keeps 70 % of its triangles and looks
    the same at any useful zoom; software GL draws it a third faster."""
    keys = np.floor(mesh.positions / cell).astype(np.int64)
    _, cluster, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    cluster = cluster.ravel()
    positions = np.zeros((len(counts), 3))
    normals = np.zeros((len(counts), 3))
    np.add.at(positions, cluster, mesh.positions)
    np.add.at(normals, cluster, mesh.normals)
    triangles = cluster[mesh.triangles]
    kept = (
        (triangles[:, 0] != triangles[:, 1])
        & (triangles[:, 1] != triangles[:, 2])
        & (triangles[:, 0] != triangles[:, 2])
    )
    triangles = triangles[kept]
    if len(triangles) == 0:
        return mesh  # a bone smaller than a cell (a finger's): kept whole rather than lost
    _, first = np.unique(np.sort(triangles, axis=1), axis=0, return_index=True)  # one of each pair of duplicates
    return TriangleMesh(
        positions=(positions / counts[:, None]).astype(np.float32),
        normals=_unit(normals).astype(np.float32),
        triangles=triangles[np.sort(first)].astype(np.uint32),
    )


def is_closed_outward(mesh: TriangleMesh, paired: float = 0.95) -> bool:
    """Whether the mesh is a (nearly) closed surface wound outward, so its back faces can be
    culled: nearly every edge is walked once each way, and the signed volume is positive."""
    triangles = mesh.triangles.astype(np.int64)
    if len(triangles) == 0:
        return False
    count = len(mesh.positions)
    edges = np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [2, 0]]])
    forward, backward = edges[:, 0] * count + edges[:, 1], edges[:, 1] * count + edges[:, 0]
    if np.isin(backward, forward).mean() < paired:
        return False
    a, b, c = (mesh.positions[triangles[:, k]].astype(float) for k in range(3))
    return float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum()) > 0


def vertex_normals(positions: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """Area-weighted vertex normals (for files that carry none)."""
    normals = np.zeros((len(positions), 3))
    if len(triangles):
        a, b, c = (positions[triangles[:, k]] for k in range(3))
        face = np.cross(b - a, c - a)  # length is twice the area: larger faces weigh more
        for k in range(3):
            np.add.at(normals, triangles[:, k], face)
    return _unit(normals)


def _unit(vectors: np.ndarray) -> np.ndarray:
    lengths = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, lengths, out=np.zeros_like(vectors, dtype=float), where=lengths > 0)


def _array(element: ET.Element | None, path: Path, what: str) -> np.ndarray:
    if element is None:
        raise MeshFormatError(f"{path.name}: no {what}")
    data_format = element.get("format", "ascii")
    if data_format != "ascii":
        raise MeshFormatError(f"{path.name}: {what} stored as {data_format}; only ASCII .vtp files are read")
    try:
        return np.array((element.text or "").split(), dtype=float)
    except ValueError:
        raise MeshFormatError(f"{path.name}: {what} hold a value that is not a number") from None


def _cells(cells: ET.Element | None, path: Path, triangulate) -> list[np.ndarray]:
    """The triangles of a Polys or Strips element, one array per cell."""
    if cells is None:
        return []
    arrays = {a.get("Name"): a for a in cells.findall("DataArray")}
    connectivity = _array(arrays.get("connectivity"), path, "connectivity").astype(np.int64)
    offsets = _array(arrays.get("offsets"), path, "offsets").astype(np.int64)
    if len(offsets) and (np.any(np.diff(offsets) < 0) or offsets[-1] != len(connectivity)):
        raise MeshFormatError(f"{path.name}: polygon offsets do not match the connectivity")
    starts = np.concatenate([[0], offsets[:-1]]).astype(np.int64) if len(offsets) else offsets
    return [
        triangulate(connectivity[start:end]) for start, end in zip(starts, offsets, strict=True) if end - start >= 3
    ]


def _fan(polygon: np.ndarray) -> np.ndarray:
    """A convex polygon (v0, v1, ..., vn) as triangles (v0, vi, vi+1)."""
    count = len(polygon) - 2
    return np.column_stack([np.full(count, polygon[0]), polygon[1:-1], polygon[2:]])


def _strip(strip: np.ndarray) -> np.ndarray:
    """A triangle strip as triangles, every second one flipped to keep the winding."""
    triangles = np.column_stack([strip[:-2], strip[1:-1], strip[2:]])
    triangles[1::2, [0, 1]] = triangles[1::2, [1, 0]]
    return triangles


def _point_normals(piece: ET.Element, point_count: int, path: Path) -> np.ndarray | None:
    point_data = piece.find("PointData")
    if point_data is None:
        return None
    name = point_data.get("Normals", "Normals")
    for array in point_data.findall("DataArray"):
        if array.get("Name") == name:
            values = _array(array, path, "normals")
            if values.size == point_count * 3:
                return values.reshape(-1, 3)
    return None
