"""The simulation benchmark runs end to end and prints its table (figures are not asserted)."""

import re

from muscle_lab.bench.simulation import main


def test_benchmark_prints_a_row_per_configuration(capsys):
    argv = ["--scenarios", "hip thrust", "--max-seconds", "0.03", "--fidelity-muscles", "2,4"]
    assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    rows = [line for line in out if line.startswith("| hip thrust |")]
    assert [row.split("|")[2].strip() for row in rows] == ["reference (osim-rl)", "before", "faithful", "fast"]
    assert all(row.split("|")[3].strip() == "3" for row in rows)  # three steps each
    assert any(line.startswith("hip thrust / faithful: speed target (>= 6.5x reference, >= 2x before)") for line in out)
    # The fidelity table: three random vectors, then the muscles asked for, each alone.
    cases = [line.split("|")[1].strip() for line in out if line.startswith(("| random ", "| muscle "))]
    assert cases == ["random 1", "random 2", "random 3", "muscle 2 alone", "muscle 4 alone"]
    assert any(re.fullmatch(r"fidelity: faithful mode follows the reference on \d of 5 cases", line) for line in out)


def test_history_benchmark_prints_what_each_side_keeps(capsys):
    from muscle_lab.bench.history import main_history

    assert main_history(["--minutes", "0.05"]) == 0  # 300 steps: quick, and every figure printed
    out = capsys.readouterr().out
    assert "0.05 min of simulated time (300 steps" in out
    assert re.search(r"window history\s+300 steps kept .* estimate \d+\.\d MB, measured \d+\.\d MB", out)
    assert re.search(r"simulation states\s+300 steps kept .* estimate \d+\.\d MB, measured \d+\.\d MB", out)


def test_atlas_benchmark_runs_end_to_end(capsys):
    from muscle_lab.bench.atlas import main_atlas

    assert main_atlas(["--seconds", "0.02", "--mode", "fast", "--workers", "1"]) == 0
    assert "atlas" in capsys.readouterr().out.lower()
