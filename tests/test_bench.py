"""The simulation benchmark runs end to end and prints its table (figures are not asserted)."""

import re

import numpy as np

from muscle_lab.bench.simulation import main, random_actions


def test_benchmark_prints_a_row_per_configuration(capsys):
    argv = ["--scenarios", "hip thrust", "--max-seconds", "0.03", "--fidelity-muscles", "2,4", "--random-episodes", "2"]
    assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    rows = [line for line in out if line.startswith("| hip thrust |") and "reference steps" not in line]
    speed_rows, fidelity_rows = rows[:4], rows[4:]
    assert [row.split("|")[2].strip() for row in speed_rows] == ["reference (osim-rl)", "before", "faithful", "fast"]
    assert all(row.split("|")[3].strip() == "3" for row in speed_rows)  # three steps each
    assert any(line.startswith("hip thrust / faithful: speed target (>= 1.8x before)") for line in out)
    # The fidelity table: the constant scenarios, three random vectors, the muscles asked for, each
    # alone, random-action episodes and the smooth policy; faithful and the previous settings each.
    cases = [line.split("|")[1].strip() for line in out if line.startswith("| ") and " steps, " not in line]
    table = cases[cases.index("standing 0.05", 5) :]
    assert table == [
        "standing 0.05",
        "all zero",
        "hip thrust",
        "random 1",
        "random 2",
        "random 3",
        "muscle 2 alone",
        "muscle 4 alone",
        "random actions, seed 0",
        "random actions, seed 1",
        "smooth policy",
    ]
    assert len(fidelity_rows) == 1 and fidelity_rows[0].count("3, ") == 2  # faithful and before, 3 steps
    for name in ("faithful", "before"):
        pattern = rf"fidelity: {name} follows the reference \(<= 5 mm, <= 1°, same steps\) on \d+ of 11 cases"
        assert any(re.fullmatch(pattern, line) for line in out)


def test_a_random_policy_draws_osim_rl_helpers_stream_and_replays_it():
    first, again = random_actions(5)(), random_actions(5)()
    expected = np.random.default_rng(5).uniform(0, 1, (3, 19))
    assert [first(k).tolist() for k in range(3)] == expected.tolist()
    assert again(2).tolist() == expected[2].tolist()  # each policy made afresh starts the stream again


def test_history_benchmark_prints_what_each_side_keeps(capsys, monkeypatch, compiled_home):
    from muscle_lab.bench.history import main_history
    from muscle_lab.core.engine_choice import ENGINE_VARIABLE
    from muscle_lab.core.paths import HOME_ENV

    monkeypatch.setenv(HOME_ENV, str(compiled_home))  # the compiled engine's C, built once a session
    monkeypatch.setenv(ENGINE_VARIABLE, "auto")  # as the window runs
    assert main_history(["--minutes", "0.05"]) == 0  # 300 steps: quick, and every figure printed
    out = capsys.readouterr().out
    assert "0.05 min of simulated time (300 steps, episodes of 200; faithful mode on the compiled engine)" in out
    assert re.search(r"window history\s+300 steps kept .* estimate \d+\.\d MB, measured \d+\.\d MB", out)
    assert re.search(r"simulation states\s+300 steps kept .* estimate \d+\.\d MB, measured \d+\.\d MB", out)


def test_atlas_benchmark_runs_end_to_end(capsys):
    from muscle_lab.bench.atlas import main_atlas

    assert main_atlas(["--seconds", "0.02", "--mode", "fast", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "fast mode on the opensim engine" in out and "target" not in out  # the target is faithful's at 0.5 s


def test_env_benchmark_compares_faithful_with_reference_and_its_previous_settings(capsys, monkeypatch, compiled_home):
    from muscle_lab.bench.env import OSIM_RL_ENV, main_env
    from muscle_lab.core.paths import HOME_ENV

    monkeypatch.delenv(OSIM_RL_ENV, raising=False)
    monkeypatch.setenv(HOME_ENV, str(compiled_home))  # the compiled engine's C, built once a session
    assert main_env(["--steps", "3", "--scenarios", "hip thrust", "--vector-steps", "0"]) == 0
    out = capsys.readouterr().out
    assert "The original osim-rl is not timed" in out
    modes = re.findall(r"^\| hip thrust \| muscle_lab env, (\w+) \| 3 \|", out, re.MULTILINE)
    assert modes == ["faithful", "compiled", "before", "reference", "fast"]
    assert re.search(
        r"^hip thrust: faithful runs \d+\.\d\dx reference mode, \d+\.\d\dx its previous settings; "
        r"on the compiled engine \d+\.\dx faithful on OpenSim$",
        out,
        re.MULTILINE,
    )


def test_env_benchmark_times_sync_and_async_vector_envs_of_one_and_two(capsys, monkeypatch, compiled_home):
    from muscle_lab.bench.env import main_env
    from muscle_lab.core.paths import HOME_ENV

    monkeypatch.setenv(HOME_ENV, str(compiled_home))  # the compiled engine's C, built once a session
    assert main_env(["--scenarios", "", "--vector-steps", "2"]) == 0
    out = capsys.readouterr().out
    assert "Vector envs, faithful mode on the compiled engine, random actions, 2 steps each" in out
    rows = re.findall(r"^\| (\w+)VectorEnv \| (\d) \| (\d+) \| \d+ \| \d+ \| \d+\.\d\d \|", out, re.MULTILINE)
    assert rows == [("Sync", "1", "2"), ("Sync", "2", "4"), ("Async", "1", "2"), ("Async", "2", "4")]
    for kind in ("sync", "async"):
        assert re.search(rf"^{kind} vector env: 2 envs \d+\.\d\dx the steps/s of 1$", out, re.MULTILINE)


def test_pose_cost_benchmark_times_the_poses_and_the_process(capsys, monkeypatch, compiled_home):
    from muscle_lab.bench.pose_cost import main_pose_cost
    from muscle_lab.core.paths import HOME_ENV

    monkeypatch.setenv(HOME_ENV, str(compiled_home))  # the compiled engine's C, built once a session
    assert main_pose_cost(["--seconds", "0.2", "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    for name in ("step", "compiled pose", "OpenSim pose"):
        assert re.search(rf"^  {name} +\d+\.\d{{3}} ms$", out, re.MULTILINE), name
    largest = float(re.search(r"largest difference between the two poses' points: (\S+) m", out).group(1))
    assert largest < 1e-9
    for label in ("without poses", "a deferred pose every step \\(the window's\\)", "a full pose every step"):
        assert re.search(rf"^  {label} +\d+\.\d\dx real time, \d\.\d\d of none$", out, re.MULTILINE), label
        assert re.search(rf"^  {label} +simulation process \d+\.\d{{3}} ms, caller \d+\.\d{{3}} ms$", out, re.MULTILINE)


def test_process_cpu_seconds_reads_proc():
    import os

    from muscle_lab.bench.headless_rate import process_cpu_seconds

    before = process_cpu_seconds(os.getpid())
    total = sum(i * i for i in range(3_000_000))  # ~0.1-0.3 s of CPU: more than a 10 ms tick
    assert total > 0
    assert process_cpu_seconds(os.getpid()) > before
    assert np.isnan(process_cpu_seconds(2**30))  # no such process


def test_beside_myosuite_times_our_env_and_says_when_myosuite_is_missing(capsys, monkeypatch, compiled_home):
    from muscle_lab.bench.beside_myosuite import main_beside_myosuite
    from muscle_lab.core.paths import HOME_ENV

    monkeypatch.setenv(HOME_ENV, str(compiled_home))  # the compiled engine's C, built once a session
    monkeypatch.delenv("MUSCLE_LAB_MYOSUITE_PYTHON", raising=False)
    assert main_beside_myosuite(["--seconds", "0.2", "--rounds", "1", "--engines", "compiled"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("MyoSuite not timed: no --myosuite-python given")
    assert re.search(
        r"^\| 1 \| muscle_lab ProstheticsEnv, compiled engine \(19 muscles\) \| \d+ \| \d+ \| \d+ \|", out, re.MULTILINE
    )
    assert re.search(r"^compiled: best \d+ steps per CPU second$", out, re.MULTILINE)
