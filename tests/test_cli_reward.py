"""`run --reward FILE.py[:NAME]`: your reward beside osim-rl's in the JSON summary and the CSV, the
same values as the environment's `reward_fn=` with the same file, and a reward that raises or
returns NaN ends the run like a failing controller (exit 2, its traceback, the steps so far written)."""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import muscle_lab.env
from muscle_lab.cli import main
from muscle_lab.core.csv_table import USER_REWARD_COLUMNS
from muscle_lab.core.simulation.user_reward import RewardError, load_reward
from muscle_lab.examples import forward_reward

ROOT = Path(__file__).resolve().parents[1]
FORWARD = Path(forward_reward.__file__)
FIXED = [0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0]


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as stream:
        return list(csv.DictReader(stream))


def test_your_reward_and_osim_rls_both_in_the_json_and_the_csv(capsys, tmp_path):
    table = tmp_path / "run.csv"
    excitations = ",".join(map(str, FIXED))
    args = ["run", "--excitations", excitations, "--reward", str(FORWARD), "--seconds", "0.3", "--json", "--csv"]
    assert main([*args, str(table)]) == 0
    summary = json.loads(capsys.readouterr().out)
    written = rows(table)
    assert len(written) == summary["steps"] == 30
    assert list(written[0])[5:7] == list(USER_REWARD_COLUMNS)  # beside osim-rl's total
    yours = [float(row["user_reward"]) for row in written]
    assert summary["reward"] == str(FORWARD) and summary["reward_error"] is None
    assert summary["user_total_reward"] == float(written[-1]["user_total_reward"])
    assert summary["user_total_reward"] == pytest.approx(math.fsum(yours), abs=1e-9)
    assert summary["total_reward"] == float(written[-1]["total_reward"])  # osim-rl's, as before
    assert summary["user_total_reward"] != summary["total_reward"]

    # The same file through the environment: each step's reward is the run's (same physics, same
    # descriptions). The run's episode starts with the controls at 0 (no controller), the env's
    # reset holds 1.0: run the env's reset the same way to compare step by step.
    env = muscle_lab.env.ProstheticsEnv(reward_fn=str(FORWARD))
    env.reset()
    env.simulation.reset()  # the run's start: no held controls
    for row in written:
        _, reward, *_, info = env.step(FIXED)
        assert reward == pytest.approx(float(row["user_reward"]), abs=1e-9)
        assert info["osim_rl_reward"] == pytest.approx(float(row["reward"]), abs=1e-9)


def test_without_a_reward_the_csv_and_json_are_as_before(capsys, tmp_path):
    table = tmp_path / "plain.csv"
    assert main(["run", "--preset", "hip-thrust", "--seconds", "0.05", "--json", "--csv", str(table)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["reward"] is None and summary["user_total_reward"] is None and summary["reward_error"] is None
    assert not set(USER_REWARD_COLUMNS) & set(rows(table)[0])


def test_a_reward_that_raises_ends_the_run_with_its_traceback_and_keeps_the_steps(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text(
        textwrap.dedent(
            """\
            def reward(state_desc, prev_state_desc):
                if state_desc["body_pos"]["pelvis"][1] < 0.9395:  # the pelvis dropped: a few steps in
                    raise KeyError("pelvis_speed")
                return 1.0
            """
        )
    )
    table = tmp_path / "out.csv"
    result = subprocess.run(
        [sys.executable, "main.py", "run", "--preset", "hip-thrust", "--reward", str(broken), "--json",
         "--csv", str(table)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    summary = json.loads(result.stdout)
    steps = summary["steps"]
    message = f"reward function reward (broken.py) failed at step {steps}: KeyError('pelvis_speed')"
    assert steps > 1 and summary["reward_error"] == message
    assert summary["user_total_reward"] == steps - 1  # 1.0 a step until it failed
    lines = result.stderr.splitlines()
    assert lines[:2] == ["Traceback (most recent call last):", f'  File "{broken}", line 3, in reward']
    assert lines[-1] == f"muscle_lab: error: {message}, after {steps} steps; the steps so far were written"
    written = rows(table)
    assert len(written) == steps  # the failing step was taken: it stands, without your reward
    assert [row["user_reward"] for row in written] == ["1.0"] * (steps - 1) + [""]


def test_nan_a_missing_file_and_a_file_without_a_reward_are_named(capsys, tmp_path):
    nan = tmp_path / "nan.py"
    nan.write_text("def shaped(state_desc, prev_state_desc):\n    return float('nan')\n")
    assert main(["run", "--preset", "hip-thrust", "--reward", f"{nan}:shaped", "--json"]) == 2
    out, err = capsys.readouterr()
    message = "reward function shaped (nan.py) returned nan at step 1"
    assert json.loads(out)["reward_error"] == message and json.loads(out)["steps"] == 1
    assert err.splitlines()[-1] == f"muscle_lab: error: {message}, after 1 steps"

    assert main(["run", "--reward", str(tmp_path / "gone.py")]) == 2
    assert capsys.readouterr().err == f"muscle_lab: error: reward file not found: {tmp_path / 'gone.py'}\n"

    two = tmp_path / "two.py"
    two.write_text("def a(s, p):\n    return 1\n\n\ndef b(s, p):\n    return 2\n")
    assert main(["run", "--reward", str(two), "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["reward_error"] == (
        f"{two} defines no 'reward': name the reward, two.py:NAME (it defines a, b)"
    )


def test_the_reward_loader_finds_the_only_function_and_refuses_what_is_no_number(tmp_path):
    only = tmp_path / "only.py"
    only.write_text("import math\n\n\ndef upright(state_desc, prev_state_desc):\n    return 'tall'\n")
    loaded = load_reward(str(only))
    assert loaded.name == "reward function upright (only.py)"
    with pytest.raises(RewardError, match=r"returned str at step 4, not a number: could not convert"):
        loaded({}, {}, 4)
    assert load_reward(str(FORWARD))(
        {"body_pos": {"pelvis": [0.02, 0.94, 0]}}, {"body_pos": {"pelvis": [0.01, 0.94, 0]}}, 1
    ) == pytest.approx(1.0)
    assert np.isfinite(forward_reward.STANDING_PELVIS_HEIGHT)
