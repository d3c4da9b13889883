"""A controller that plays a preset drives the environment step by step, and a `run --controller` file."""

from __future__ import annotations

import json

import numpy as np

from muscle_lab.cli import main
from muscle_lab.env import ProstheticsEnv
from muscle_lab.env.preset_controller import PresetController


def test_the_env_plays_a_sequence_preset_phase_by_phase():
    env = ProstheticsEnv()
    try:
        controller = PresetController("thrust-then-catch", env.muscle_names)
        observation, _ = env.reset()
        applied = []
        for _ in range(17):
            observation, _reward, terminated, truncated, _info = env.step(controller.act(observation))
            applied.append(env.simulation.frame.excitations.copy())
            assert not (terminated or truncated)
        glut, vasti = env.muscle_names.index("glut_max_r"), env.muscle_names.index("vasti_r")
        assert [applied[i][glut] for i in (0, 14, 15)] == [1.0, 1.0, 0.0]
        assert [applied[i][vasti] for i in (0, 14, 15)] == [0.0, 0.0, 1.0]
        controller.reset()
        assert np.array_equal(controller.act(), applied[0])
    finally:
        env.close()


def test_a_controller_file_can_play_a_preset(capsys, tmp_path):
    script = tmp_path / "player.py"
    script.write_text(
        "from muscle_lab.env.preset_controller import PresetController\n"
        "controller = PresetController('thrust-then-catch')\n"
    )
    assert main(["run", "--controller", str(script), "--seconds", "0.05", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["steps"] == 5
    assert summary["controller_error"] is None
