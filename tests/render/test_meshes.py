"""The .vtp reader on the model's real bone meshes and on small crafted files."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

from muscle_lab.core.paths import osim_rl_models_dir
from muscle_lab.render.meshes import MeshFormatError, load_mesh, read_vtp, simplify

FIXTURES = Path(__file__).parent / "fixtures"


def _declared(path: Path, attribute: str) -> int:
    return sum(int(n) for n in re.findall(rf'{attribute}="(\d+)"', path.read_text()))


def test_reads_a_real_bone_mesh_as_opensim_ships_it():
    path = osim_rl_models_dir() / "Geometry" / "femur.vtp"
    mesh = read_vtp(path)
    assert len(mesh.positions) == _declared(path, "NumberOfPoints")
    assert mesh.triangle_count >= _declared(path, "NumberOfPolys")  # polygons of 3 or more corners
    assert mesh.triangles.max() < len(mesh.positions)
    assert np.allclose(np.linalg.norm(mesh.normals, axis=1), 1.0, atol=1e-5)
    # A femur is long along its body's y axis: about 45 cm tall, under 10 cm across.
    extent = np.ptp(mesh.positions, axis=0)
    assert 0.40 < extent[1] < 0.50 and extent[0] < 0.1 and extent[2] < 0.11


def test_quads_and_n_gons_are_fan_triangulated():
    mesh = read_vtp(FIXTURES / "quad_and_ngon.vtp")
    assert mesh.triangles.tolist() == [[0, 1, 2], [0, 2, 3], [4, 5, 6], [4, 6, 7], [4, 7, 8], [0, 1, 9]]
    assert mesh.positions.shape == (10, 3)
    # No normals in the file: computed from the faces. The pentagon lies in z = 0, wound
    # counter-clockwise; the last triangle stands in the plane y = 0.
    assert np.allclose(mesh.normals[5:9], [0.0, 0.0, 1.0])
    assert np.allclose(mesh.normals[9], [0.0, -1.0, 0.0])


def test_strips_are_unrolled_and_the_files_normals_are_used():
    mesh = read_vtp(FIXTURES / "strip_with_normals.vtp")
    assert mesh.triangles.tolist() == [[0, 1, 2], [2, 1, 3]]  # the second flipped: same winding
    assert np.allclose(mesh.normals, [0.0, 0.0, 1.0])  # from the file, made unit length


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("binary_points.vtp", "binary_points.vtp: points stored as binary; only ASCII .vtp files are read"),
        ("bad_offsets.vtp", "bad_offsets.vtp: polygon offsets do not match the connectivity"),
        ("point_out_of_range.vtp", "point_out_of_range.vtp: a polygon refers to a point that does not exist"),
        ("points_not_triples.vtp", "points_not_triples.vtp: 11 point coordinates, not a multiple of 3"),
    ],
)
def test_broken_files_are_refused_with_the_reason(name, message):
    with pytest.raises(MeshFormatError) as raised:
        read_vtp(FIXTURES / name)
    assert str(raised.value) == message


def test_a_file_that_is_not_xml_is_refused():
    with pytest.raises(MeshFormatError, match=r"^not_xml.vtp: not an XML file \("):
        read_vtp(FIXTURES / "not_xml.vtp")


def test_a_fifo_is_not_read(tmp_path):
    fifo = tmp_path / "pelvis.vtp"
    os.mkfifo(fifo)
    with pytest.raises(MeshFormatError, match=r"^pelvis.vtp: not a regular file$"):
        load_mesh(fifo)  # without the check, this waits for a writer for ever


def test_meshes_are_read_once_per_file():
    path = osim_rl_models_dir() / "Geometry" / "pelvis.vtp"
    assert load_mesh(path) is load_mesh(path)
    assert load_mesh(path, 0.004) is load_mesh(path, 0.004)


def test_simplify_merges_close_vertices_and_keeps_the_shape():
    mesh = read_vtp(osim_rl_models_dir() / "Geometry" / "r_pylon.vtp")  # a vertex per triangle corner
    simple = simplify(mesh, 0.004)
    assert simple.triangle_count < 0.8 * mesh.triangle_count
    assert len(simple.positions) < 0.5 * len(mesh.positions)  # shared corners welded
    assert np.allclose(simple.positions.min(axis=0), mesh.positions.min(axis=0), atol=0.004)
    assert np.allclose(simple.positions.max(axis=0), mesh.positions.max(axis=0), atol=0.004)
    corners = simple.triangles
    assert (corners[:, 0] != corners[:, 1]).all() and (corners[:, 1] != corners[:, 2]).all()


def test_simplify_keeps_a_bone_smaller_than_a_cell_whole():
    # a thumb's distal phalanx, 15 mm long: at 2 cm every triangle collapses
    mesh = read_vtp(osim_rl_models_dir() / "Geometry" / "arm_r_thumbdist.vtp")
    assert np.ptp(mesh.positions, axis=0).max() < 0.02
    simple = simplify(mesh, 0.02)
    assert simple.triangle_count == mesh.triangle_count > 0
