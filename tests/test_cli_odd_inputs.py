"""Issue 20: odd inputs to `run` give exit status 2 and one line on stderr, never a traceback or a hang:
models that are no files, a FIFO among a model's meshes, controls files with CR line ends or a huge
field, a video of a model with a malformed mesh (listed, the rest drawn)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from muscle_lab.cli import main
from muscle_lab.core.paths import DEFAULT_MODEL_FILE, osim_rl_models_dir

ROOT = Path(__file__).resolve().parents[1]
BAD_MESH = Path(__file__).parent / "render" / "fixtures" / "points_not_triples.vtp"


def model_with_pelvis(tmp_path: Path, make_pelvis) -> Path:
    """The default model beside links to its meshes, the pelvis's made by `make_pelvis(path)`."""
    shipped = osim_rl_models_dir()
    geometry = tmp_path / "model" / "Geometry"
    geometry.mkdir(parents=True)
    for mesh in (shipped / "Geometry").iterdir():
        if mesh.name != "pelvis.vtp":
            (geometry / mesh.name).symlink_to(mesh)
    make_pelvis(geometry / "pelvis.vtp")
    shutil.copy(shipped / DEFAULT_MODEL_FILE, geometry.parent)
    return geometry.parent / DEFAULT_MODEL_FILE


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_a_folder_or_a_device_is_no_model_file(capsys, tmp_path):
    assert main(["run", "--model", str(tmp_path), "--seconds", "0.01"]) == 2
    assert one_error_line(capsys) == f"muscle_lab: error: not a model file: {tmp_path} is a folder"
    zero = tmp_path / "zero.osim"
    zero.symlink_to("/dev/zero")
    assert main(["run", "--model", str(zero), "--seconds", "0.01"]) == 2
    assert one_error_line(capsys) == f"muscle_lab: error: not a model file: {zero} is a character device"


def test_a_fifo_among_the_meshes_is_refused_before_opensim_waits_on_it(tmp_path):
    model = model_with_pelvis(tmp_path, os.mkfifo)
    result = subprocess.run(
        [sys.executable, "main.py", "run", "--model", str(model), "--seconds", "0.01"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    pelvis = model.parent / "Geometry" / "pelvis.vtp"
    assert result.stderr == f"muscle_lab: error: model {model}: its mesh file {pelvis} is a FIFO, not a file\n"


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("table") / "run.csv"
    assert main(["run", "--mode", "fast", "--seconds", "0.05", "--csv", str(path)]) == 0
    return path


def test_controls_with_cr_line_ends_replay_and_a_huge_field_is_one_line(capsys, table, tmp_path):
    mac = tmp_path / "mac.csv"
    mac.write_bytes(table.read_bytes().replace(b"\n", b"\r"))
    again = tmp_path / "again.csv"
    capsys.readouterr()
    assert main(["run", "--mode", "fast", "--controls", str(mac), "--csv", str(again)]) == 0
    assert again.read_text().splitlines()[1:] == table.read_text().splitlines()[1:]
    lines = table.read_text().splitlines()
    fields = lines[1].split(",")
    fields[-1] = "0" * 140_000
    huge = tmp_path / "huge.csv"
    huge.write_text("\n".join([lines[0], ",".join(fields), *lines[2:]]) + "\n")
    capsys.readouterr()
    assert main(["run", "--mode", "fast", "--controls", str(huge)]) == 2
    assert one_error_line(capsys).startswith(
        f"muscle_lab: error: {huge}: line 2: not a CSV row (field larger than field limit"
    )


def test_a_video_of_a_model_with_a_malformed_mesh_is_written(capsys, tmp_path):
    model = model_with_pelvis(tmp_path, lambda path: shutil.copy(BAD_MESH, path))
    video = tmp_path / "run.gif"
    assert main(["run", "--model", str(model), "--mode", "fast", "--seconds", "0.05", "--video", str(video)]) == 0
    assert video.stat().st_size > 0
    assert "wrote 2 video frames" in capsys.readouterr().err


def on_a_full_filesystem(tmp_path: Path, size: str, command: Callable[[Path], list[str]]) -> tuple[Path, str]:
    """`python main.py COMMAND(folder)` writing into a tmpfs `folder` of `size` (its own mount
    namespace); exit 2 asserted, its last line on stderr returned."""
    from tests.test_cli_outputs import can_mount_tmpfs

    if not can_mount_tmpfs():
        pytest.skip("needs root and mount namespaces to make a full filesystem")
    full = tmp_path / "full"
    full.mkdir()
    script = f'mount -t tmpfs -o size={size} tmpfs "{full}" && exec "{sys.executable}" main.py "$@"'
    env = {**os.environ, "MUSCLE_LAB_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", *command(full)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    return full, result.stderr.splitlines()[-1]


def test_a_video_on_a_full_filesystem_names_the_file(tmp_path):
    full, said = on_a_full_filesystem(
        tmp_path,
        "64k",
        lambda full: ["run", "--preset", "relaxed", "--seconds", "0.1", "--video", str(full / "run.gif")],
    )
    assert said == f"muscle_lab: error: {full / 'run.gif'}: cannot write it: No space left on device"


def test_an_atlas_cache_that_is_a_file_is_said_once(tmp_path):
    from muscle_lab.core.atlas.cache import AtlasCache

    folder = tmp_path / "atlas_cache"
    folder.write_text("not a folder")
    cache = AtlasCache(folder)
    for key in ("a", "b", "c"):
        cache.save(key, {"value": key})
    assert cache.write_problems == [f"{folder}: cannot make the cache folder: File exists"]


def test_an_atlas_page_on_a_full_filesystem_names_the_file(tmp_path):
    """On 4 kB nothing fits: the animations are listed as not made, then the heat map's error names it."""
    full, said = on_a_full_filesystem(
        tmp_path, "4k", lambda full: ["atlas", "--out", str(full), "--mode", "fast", "--seconds", "0.05"]
    )
    assert said == f"muscle_lab: error: {full / 'heat_map.png'}: cannot write it: No space left on device"
