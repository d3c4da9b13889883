"""`run --mot/--sto` write OpenSim files; `run --controls` replays a recorded run headless."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import opensim
import pytest

from muscle_lab.cli import main
from muscle_lab.core.paths import default_model_path
from muscle_lab.core.simulation.model_file import read_model_summary

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "core" / "fixtures" / "recordings"
HIP_THRUST = ",".join("1" if i in (2, 4, 10, 12) else "0" for i in range(19))


def run_json(capsys, *args: str) -> dict:
    assert main(["run", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_mot_and_sto_are_written_and_load_in_opensim(capsys, tmp_path):
    mot, sto = tmp_path / "thrust.mot", tmp_path / "thrust.sto"
    summary = run_json(capsys, "--excitations", HIP_THRUST, "--seconds", "0.1", "--mot", str(mot), "--sto", str(sto))
    assert summary["steps"] == 10

    motion = opensim.TimeSeriesTable(str(mot))
    assert motion.getNumRows() == 10
    assert motion.getColumnLabel(0) == "pelvis_tilt"
    assert motion.getTableMetaDataAsString("inDegrees") == "yes"
    controls = opensim.Storage(str(sto))
    assert controls.getSize() == 11 and not controls.isInDegrees()
    assert controls.getLastTime() == pytest.approx(0.1)
    hamstrings = controls.getStateIndex("hamstrings_r")
    assert controls.getStateVector(5).getData().get(hamstrings) == 1.0


def test_controls_replay_the_recorded_run(capsys, tmp_path):
    sto, recorded_csv, replayed_csv = tmp_path / "r.sto", tmp_path / "recorded.csv", tmp_path / "replayed.csv"
    recorded = run_json(capsys, "--excitations", HIP_THRUST, "--seconds", "0.15", "--sto", str(sto),
                        "--csv", str(recorded_csv))  # fmt: skip
    # --seconds defaults to the file's length when replaying.
    replayed = run_json(capsys, "--controls", str(sto), "--csv", str(replayed_csv))
    assert replayed["steps"] == recorded["steps"] == 15
    assert replayed["total_reward"] == recorded["total_reward"]
    assert replayed["final_pelvis_height"] == recorded["final_pelvis_height"]
    assert replayed_csv.read_text() == recorded_csv.read_text()


def test_a_csv_table_replays_too_and_seconds_can_extend_it(capsys, tmp_path):
    table = tmp_path / "run.csv"
    run_json(capsys, "--excitations", HIP_THRUST, "--seconds", "0.05", "--csv", str(table))
    summary = run_json(capsys, "--controls", str(table), "--seconds", "0.08")
    assert summary["steps"] == 8  # the last excitations hold after the file ends


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("wrong_muscles.sto", "columns that are not muscles of this model: quads_r"),
        ("non_monotonic.sto", "time is not increasing"),
        ("missing_header.sto", "no 'endheader' line"),
        ("nan.sto", "nan is not a finite number"),
    ],
)
def test_bad_controls_exit_2_and_write_nothing(capsys, tmp_path, name, message):
    outputs = [tmp_path / "never.csv", tmp_path / "never.mot", tmp_path / "never.sto"]
    args = ["--csv", str(outputs[0]), "--mot", str(outputs[1]), "--sto", str(outputs[2])]
    assert main(["run", "--controls", str(FIXTURES / name), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"muscle_lab: error: {FIXTURES / name}: ") and message in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_an_output_path_that_is_a_folder_fails_before_running(capsys, tmp_path):
    assert main(["run", "--seconds", "0.02", "--mot", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"muscle_lab: error: {tmp_path}: is a folder, not a file\n"


def test_controls_exclude_other_excitation_sources(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["run", "--controls", "x.sto", "--preset", "hip-thrust"])
    assert exited.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


# The CLI in a fresh process that caps its address space (a runaway read fails instead of eating
# the machine's memory) and prints its own peak memory (kB) as the last line on stderr.
MEASURED_MAIN = (
    "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), resource.RLIM_INFINITY)); "
    "from muscle_lab.cli import main; status = main(sys.argv[2:]); "
    "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')), file=sys.stderr); "
    "sys.exit(status)"
)  # VmHWM, not ru_maxrss: Linux carries the spawning process's peak into ru_maxrss across exec


def run_measured(*args: str, memory_limit: int = 2**31, timeout: float = 120) -> tuple[int, str, str, float]:
    """(status, stdout, stderr, peak memory in MB) of `run ARGS` in its own process, with an address-space cap."""
    process = subprocess.Popen(
        [sys.executable, "-c", MEASURED_MAIN, str(memory_limit), "run", *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"run {' '.join(args)} still running after {timeout:g} s")
    *messages, peak = err.splitlines() or ["0"]
    return process.returncode, out, "".join(line + "\n" for line in messages), int(peak) / 1024


def write_big_controls(path: Path, megabytes: int) -> None:
    """A .sto of ~`megabytes` MB: the hip thrust in 1 ms rows, written a block of rows at a time."""
    muscles = read_model_summary(default_model_path()).muscle_names
    values = "".join("\t1.0000000000" if i in (2, 4, 10, 12) else "\t0.0000000000" for i in range(len(muscles)))
    with path.open("w") as stream:
        stream.write(f"big\nversion=1\nnColumns={len(muscles) + 1}\ninDegrees=no\nendheader\n")
        stream.write("time\t" + "\t".join(muscles) + "\n")
        row = 0
        while stream.tell() < megabytes * 2**20:
            stream.write("".join(f"{(row + k) / 1000:.6f}{values}\n" for k in range(10_000)))
            row += 10_000


def test_a_huge_controls_file_is_streamed_and_read_only_as_far_as_needed(tmp_path):
    big = tmp_path / "big.sto"
    write_big_controls(big, megabytes=200)
    assert big.stat().st_size > 200 * 2**20
    table = tmp_path / "replayed.csv"
    status, out, err, peak_mb = run_measured("--controls", str(big), "--seconds", "0.05", "--csv", str(table), "--json")
    assert (status, err) == (0, ""), err
    assert json.loads(out)["steps"] == 5
    assert len(table.read_text().splitlines()) == 6
    # The interpreter, OpenSim and the model take ~145 MB; the old whole-file parse peaked at 2.7 GB.
    assert peak_mb < 300, f"peak memory {peak_mb:.0f} MB"


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_fifo_or_a_device_is_refused_at_once(tmp_path, kind):
    if kind == "fifo":
        source = tmp_path / "controls.sto"
        os.mkfifo(source)  # nobody writes to it: opening it to read would wait forever
    else:
        source = tmp_path / "zeros.sto"
        source.symlink_to("/dev/zero")  # endless: reading it whole would never end
    status, out, err, _ = run_measured("--controls", str(source), "--seconds", "0.05", memory_limit=2**30)
    assert (status, out) == (2, "")
    what = "a FIFO" if kind == "fifo" else "a character device"
    assert err == f"muscle_lab: error: {source}: not a regular file ({what})\n"
