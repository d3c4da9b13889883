"""`run --controller FILE.py[:NAME]`: the shipped examples drive a headless run (JSON and CSV), the
run equals the environment's episode with the same controller, and a failing controller ends the
run with its error and traceback (exit 2, the steps so far written)."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from muscle_lab.cli import main
from muscle_lab.core.simulation.user_controller import ControllerSpec, load_controller
from muscle_lab.examples import fixed_action

EXAMPLES = Path(fixed_action.__file__).parent
ROOT = Path(__file__).resolve().parents[1]


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as stream:
        return list(csv.DictReader(stream))


def excitations(row: dict[str, str]) -> list[float]:
    return [float(value) for key, value in row.items() if key.startswith("excitation_")]


def test_the_fixed_action_agent_runs_the_environments_episode(capsys, tmp_path):
    import muscle_lab.env

    table = tmp_path / "fixed.csv"
    spec = str(EXAMPLES / "fixed_action.py") + ":FixedActionAgent"
    code = main(["run", "--controller", spec, "--mode", "fast", "--seconds", "0.3", "--json", "--csv", str(table)])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["controller"] == spec and summary["controller_error"] is None and summary["steps"] == 30
    written = rows(table)
    assert len(written) == 30 and all(excitations(row) == fixed_action.FIXED_ACTION for row in written)

    env = muscle_lab.env.ProstheticsEnv(mode="fast")  # the same controller through the environment
    agent = fixed_action.FixedActionAgent(env.observation_space, env.action_space)
    observation, _ = env.reset()
    for row in written:
        observation, reward, *_ = env.step(agent.act(observation))
        assert float(row["reward"]) == reward
        assert float(row["pelvis_height"]) == env.get_state_desc()["body_pos"]["pelvis"][1]
    assert summary["total_reward"] == float(written[-1]["total_reward"])


def test_random_actions_are_applied_as_drawn(capsys, tmp_path):
    table = tmp_path / "random.csv"
    controller = str(EXAMPLES / "random_controller.py")
    assert main(["run", "--controller", controller, "--mode", "fast", "--seconds", "0.1", "--csv", str(table)]) == 0
    assert capsys.readouterr().out.startswith("10 steps, 0.10 s simulated")
    again = load_controller(ControllerSpec.parse(controller), [""] * 19, 160)  # a fresh copy draws the same
    for step, row in enumerate(rows(table), start=1):
        assert np.array_equal(excitations(row), again.act(np.zeros(160), step))


def test_a_crashing_controller_ends_the_run_with_its_traceback_and_keeps_the_steps(tmp_path):
    crash = tmp_path / "crash.py"
    crash.write_text(
        textwrap.dedent(
            """\
            def controller(observation):
                if observation[0] < 0.9395:  # the pelvis has dropped a little: a few steps in
                    raise RuntimeError("policy diverged")
                return [0.05] * 19
            """
        )
    )
    table = tmp_path / "out.csv"
    result = subprocess.run(
        [sys.executable, "main.py", "run", "--controller", str(crash), "--mode", "fast", "--json", "--csv", str(table)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    summary = json.loads(result.stdout)
    steps = summary["steps"]
    assert (
        steps > 0
        and summary["controller_error"] == f"the controller raised RuntimeError at step {steps + 1}: policy diverged"
    )
    lines = result.stderr.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[1] == f'  File "{crash}", line 3, in controller'
    assert "RuntimeError: policy diverged" in lines
    assert lines[-1] == (
        f"muscle_lab: error: the controller raised RuntimeError at step {steps + 1}: policy diverged, "
        f"after {steps} steps; the steps so far were written"
    )
    assert len(rows(table)) == steps


def test_nan_and_a_wrong_length_are_refused_and_a_missing_file_is_named(capsys, tmp_path):
    nan = tmp_path / "nan.py"
    nan.write_text("def act(observation):\n    return [float('nan')] * 19\n")
    assert main(["run", "--controller", f"{nan}:act", "--mode", "fast", "--json"]) == 2
    out, err = capsys.readouterr()
    message = (
        "the controller returned NaN at step 1 for muscle 0 (abd_r), 1 (add_r), 2 (hamstrings_r), 3 (bifemsh_r), "
        "4 (glut_max_r), 5 (iliopsoas_r), 6 (rect_fem_r), 7 (vasti_r), 8 (abd_l), 9 (add_l), 10 (hamstrings_l), "
        "11 (bifemsh_l), 12 (glut_max_l), 13 (iliopsoas_l), 14 (rect_fem_l), 15 (vasti_l), 16 (gastroc_l), "
        "17 (soleus_l), 18 (tib_ant_l); excitations must be numbers in [0, 1]"
    )
    assert json.loads(out)["controller_error"] == message and json.loads(out)["steps"] == 0
    assert err.splitlines()[-2:] == [
        "[" + ", ".join(["nan"] * 19) + "]",
        f"muscle_lab: error: {message}, after 0 steps",
    ]

    short = tmp_path / "short.py"
    short.write_text("class Agent:\n    def act(self, observation):\n        return observation[:3]\n")
    assert main(["run", "--controller", str(short), "--mode", "fast"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "muscle_lab: error: the controller returned 3 excitations at step 1; this model has 19 muscles (abd_r, "
        "add_r, hamstrings_r, bifemsh_r, glut_max_r, iliopsoas_r, rect_fem_r, vasti_r, abd_l, add_l, hamstrings_l, "
        "bifemsh_l, glut_max_l, iliopsoas_l, rect_fem_l, vasti_l, gastroc_l, soleus_l, tib_ant_l), after 0 steps"
    )

    assert main(["run", "--controller", str(tmp_path / "gone.py")]) == 2
    assert capsys.readouterr().err == f"muscle_lab: error: controller file not found: {tmp_path / 'gone.py'}\n"


def test_a_controller_is_one_source_of_excitations(capsys):
    with pytest.raises(SystemExit) as usage:
        main(["run", "--controller", str(EXAMPLES / "fixed_action.py"), "--preset", "hip-thrust"])
    assert usage.value.code == 2
    assert "argument --preset: not allowed with argument --controller" in capsys.readouterr().err


def test_the_example_runs_its_episode_in_the_environment_as_run_does(capsys):
    printed = subprocess.run(
        [sys.executable, "-m", "muscle_lab.examples.fixed_action"],  # faithful, as run's default
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    assert main(["run", "--controller", str(EXAMPLES / "fixed_action.py"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    expected = f"{summary['steps']} steps, total reward {summary['total_reward']:.3f}, ended: {summary['end_reason']}\n"
    assert printed == expected and summary["end_reason"] == "fell"


def test_a_run_that_took_no_step_says_so_rather_than_a_fall(capsys, tmp_path):
    """osim-rl's gait9dof18musc_20170320 starts with its pelvis at 0 m: its start is no fall when a
    controller that fails to load means no step is taken."""
    from muscle_lab.core.paths import osim_rl_models_dir

    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('no policy here')\n", encoding="utf-8")
    model = str(osim_rl_models_dir() / "gait9dof18musc_20170320.osim")
    assert main(["run", "--model", model, "--controller", str(broken)]) == 2
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert summary.startswith("0 steps, 0.00 s simulated") and summary.endswith(
        "; no step taken; the controller failed"
    )
    assert "fell" not in summary
    assert main(["run", "--model", model, "--controller", str(broken), "--json"]) == 2
    result = json.loads(capsys.readouterr().out)
    assert result["steps"] == 0 and result["done"] is False and result["end_reason"] is None


def test_the_fixed_action_agents_docstring_names_the_muscles_it_holds():
    held = [index for index, value in enumerate(fixed_action.FIXED_ACTION) if value]
    described = sorted(int(n) for group in re.findall(r"\(([\d, ]+)\)", fixed_action.__doc__) for n in group.split(","))
    assert described == held  # it once named index 4, which the action holds at 0
