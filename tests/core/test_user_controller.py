"""A user's controller: loading FILE.py[:NAME], calling it safely, and driving the simulation
process with the environment's observation (real files, the real model, a real child process)."""

from __future__ import annotations

import os
import pickle
import signal
import textwrap
from pathlib import Path

import numpy as np
import pytest

from muscle_lab.core.simulation.integrator import settings_for
from muscle_lab.core.simulation.process import SimulationProcess
from muscle_lab.core.simulation.user_controller import (
    ControllerError,
    ControllerSlot,
    ControllerSpec,
    load_controller,
)
from muscle_lab.examples import fixed_action

EXAMPLES = Path(fixed_action.__file__).parent
MUSCLES = (
    "abd_r", "add_r", "hamstrings_r", "bifemsh_r", "glut_max_r", "iliopsoas_r", "rect_fem_r", "vasti_r",
    "abd_l", "add_l", "hamstrings_l", "bifemsh_l", "glut_max_l", "iliopsoas_l", "rect_fem_l", "vasti_l",
    "gastroc_l", "soleus_l", "tib_ant_l",
)  # fmt: skip
SIZE = 160
OBSERVATION = np.linspace(0.0, 1.0, SIZE)


def write(folder: Path, name: str, code: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(code))
    return path


def load(path: Path, name: str | None = None, call_limit: float = 1.0):
    return load_controller(ControllerSpec(path, name), MUSCLES, SIZE, call_limit)


# -- FILE.py[:NAME] -------------------------------------------------------------------------
def test_a_spec_names_a_file_and_optionally_what_in_it(tmp_path):
    odd = tmp_path / "runs:2"  # a colon in a folder's name is part of the path
    odd.mkdir()
    path = write(odd, "ctl.py", "def controller(o):\n    return o\n")
    assert ControllerSpec.parse(f"{path}:Agent") == ControllerSpec(path, "Agent")
    assert ControllerSpec.parse(str(path)) == ControllerSpec(path, None)
    assert ControllerSpec.parse(f"{path}:Agent").label == "ctl.py:Agent"
    with pytest.raises(ControllerError) as missing:
        ControllerSpec.parse("no_such_controller.py:act")
    assert str(missing.value) == "controller file not found: no_such_controller.py"


def test_osim_rl_helpers_fixed_action_agent_gets_the_envs_spaces_and_acts():
    import muscle_lab.env

    controller = load(EXAMPLES / "fixed_action.py")  # its only class with act()
    assert controller.description == "FixedActionAgent().act from fixed_action.py"
    assert controller.act(OBSERVATION, 1).tolist() == fixed_action.FIXED_ACTION
    agent = controller._call.__self__  # noqa: SLF001 - the instance the loader made
    env = muscle_lab.env.ProstheticsEnv(mode="fast")
    assert agent.observation_space == env.observation_space and agent.action_space == env.action_space


def test_how_the_controller_is_found_in_a_file(tmp_path):
    named = write(tmp_path, "named.py", "def controller(o):\n    return [0.5] * 19\ndef other(o):\n    return 0\n")
    assert load(named).description == "controller from named.py"
    assert load(named, "other").description == "other from named.py"
    one_function = write(tmp_path, "one.py", "import numpy as np\ndef policy(o):\n    return np.zeros(19)\n")
    assert load(one_function).description == "policy from one.py"  # np, imported, does not count
    instance = write(tmp_path, "inst.py", "class A:\n    def act(self, o):\n        return [1] * 19\nagent = A()\n")
    assert load(instance, "agent").description == "agent.act from inst.py"
    several = write(tmp_path, "several.py", "def a(o):\n    return 0\ndef b(o):\n    return 0\n")
    with pytest.raises(ControllerError) as error:
        load(several)
    assert (
        str(error.value) == f"{several} defines no 'controller': name the controller, several.py:NAME (it defines a, b)"
    )


@pytest.mark.parametrize(
    ("code", "name", "message"),
    [
        ("x = 1\n", "policy", "{path} has no 'policy' (it defines no class or function)"),
        ("x = 1\n", "x",
         "x in {path} is a int: a controller is a function f(observation) or an object with act(observation)"),
        (
            "class Agent:\n    def __init__(self, env):\n        pass\n    def act(self, o):\n        return o\n",
            "Agent",
            ("Agent in {path} takes (env); a controller class takes no arguments, or (observation_space, action_space) "
             "as osim-rl-helper's agents do"),
        ),
    ],
)  # fmt: skip
def test_what_is_not_a_controller_is_named(tmp_path, code, name, message):
    path = write(tmp_path, "ctl.py", code)
    with pytest.raises(ControllerError) as error:
        load(path, name)
    assert str(error.value) == message.format(path=path)


def test_a_file_that_does_not_load_gives_its_error_and_traceback(tmp_path):
    broken = write(tmp_path, "broken.py", "def controller(o)\n    return o\n")
    with pytest.raises(ControllerError) as syntax:
        load(broken)
    assert syntax.value.message == f"{broken} could not be loaded: SyntaxError: expected ':' (broken.py, line 1)"
    assert "def controller(o)" in syntax.value.details
    raising = write(tmp_path, "raising.py", "import math\nWEIGHTS = math.log(-1)\n")
    with pytest.raises(ControllerError) as value_error:
        load(raising)
    assert value_error.value.message == f"{raising} could not be loaded: ValueError: math domain error"
    assert f'File "{raising}", line 2, in <module>' in value_error.value.details
    assert "user_controller.py" not in value_error.value.details  # the user's frames only


# -- calls ----------------------------------------------------------------------------------
CRASH = """\
def controller(observation):
    return helper(observation)


def helper(observation):
    return float(observation[0]) / 0
"""


def test_an_exception_is_reported_with_the_users_traceback(tmp_path):
    path = write(tmp_path, "crash.py", CRASH)
    with pytest.raises(ControllerError) as error:
        load(path).act(OBSERVATION, 3)
    assert error.value.message == "the controller raised ZeroDivisionError at step 3: float division by zero"
    details = error.value.details.splitlines()
    assert details[0] == "Traceback (most recent call last):"
    assert details[1] == f'  File "{path}", line 2, in controller'
    helper = details.index(f'  File "{path}", line 6, in helper')
    assert details[helper + 1] == "    return float(observation[0]) / 0"
    assert details[-1] == "ZeroDivisionError: float division by zero"
    assert "user_controller.py" not in error.value.details


@pytest.mark.parametrize(
    ("returns", "message"),
    [
        ("[0.5] * 18", "the controller returned 18 excitations at step 7; this model has 19 muscles ({muscles})"),
        ("[0.5] * 3 + [float('nan')] + [0.5] * 15",
         "the controller returned NaN at step 7 for muscle 3 (bifemsh_r); excitations must be numbers in [0, 1]"),
        ("None", ("the controller returned None at step 7 (a missing return?); it must return 19 excitations, "
                  "one per muscle")),
        ("'walk'", "the controller returned str at step 7, not 19 numbers: could not convert string to float: 'walk'"),
    ],
)  # fmt: skip
def test_a_wrong_answer_is_refused_with_what_was_returned(tmp_path, returns, message):
    path = write(tmp_path, "bad.py", f"def controller(observation):\n    return {returns}\n")
    with pytest.raises(ControllerError) as error:
        load(path).act(OBSERVATION, 7)
    assert error.value.message == message.format(muscles=", ".join(MUSCLES))
    assert error.value.details.startswith("returned by controller from bad.py:\n")


def test_out_of_range_values_are_clipped_as_osim_rl_does_and_shapes_flattened(tmp_path):
    path = write(
        tmp_path,
        "wild.py",
        "import numpy as np\ndef controller(o):\n    return np.array([[-1.0, 2.0, np.inf, 0.25] + [0.5] * 15])\n",
    )
    assert load(path).act(OBSERVATION, 1).tolist() == [0.0, 1.0, 1.0, 0.25] + [0.5] * 15


def test_the_controller_gets_the_observation_and_its_prints_go_to_stderr(tmp_path, capsys):
    path = write(
        tmp_path, "echo.py", "def controller(o):\n    print('seen', o.size)\n    o[:] = 0\n    return [o[0]] * 19\n"
    )
    observation = OBSERVATION.copy()
    assert load(path).act(observation, 1).tolist() == [0.0] * 19
    assert (observation == OBSERVATION).all()  # it had a copy to scribble on
    out, err = capsys.readouterr()
    assert out == "" and err == "seen 160\n"


def test_a_controller_that_does_not_return_is_stopped_where_it_loops(tmp_path):
    path = write(tmp_path, "loop.py", "def controller(o):\n    while True:\n        o = o + 1\n")
    with pytest.raises(ControllerError) as error:
        load(path, call_limit=0.2).act(OBSERVATION, 5)
    assert error.value.message == (
        "the controller took longer than 0.2 s at step 5 and was stopped (the traceback shows where it was)"
    )
    where = error.value.details.splitlines()[1]  # the loop's test or its body, wherever the timer struck
    assert where in (f'  File "{path}", line 2, in controller', f'  File "{path}", line 3, in controller')


def test_a_controller_that_swallows_the_interruption_is_still_too_slow(tmp_path):
    path = write(
        tmp_path,
        "stubborn.py",
        """\
        import time

        def controller(o):
            try:
                time.sleep(10)
            except BaseException:
                time.sleep(0.1)
            return [0] * 19
        """,
    )
    with pytest.raises(ControllerError) as error:
        load(path, call_limit=0.2).act(OBSERVATION, 2)
    assert error.value.message.startswith("the controller took 0.3")
    assert error.value.message.endswith(" s at step 2, longer than 0.2 s")
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL  # the timer's handler is gone again


def test_an_error_crosses_the_process_pipe_whole():
    error = ControllerError("the controller raised KeyError at step 1: 'x'", "Traceback ...")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.message, copy.details, str(copy)) == (error.message, error.details, error.message)
    assert copy.text == "the controller raised KeyError at step 1: 'x'\nTraceback ..."


def test_the_slot_keeps_locked_muscles_and_halts_after_a_failure(tmp_path):
    path = write(tmp_path, "flaky.py", "calls = []\ndef controller(o):\n    calls.append(1)\n    return [1.0] * 19\n")
    slot = ControllerSlot()
    assert slot.load(str(path), MUSCLES, SIZE, 1.0) == "controller from flaky.py"
    current = np.full(19, 0.2)
    slot.set_locked([i == 4 for i in range(19)])
    assert slot.excitations(lambda: OBSERVATION, current, 1).tolist() == [1.0] * 4 + [0.2] + [1.0] * 14

    def unreadable() -> np.ndarray:
        raise RuntimeError("SimTK Exception thrown")

    with pytest.raises(ControllerError) as failed:
        slot.excitations(unreadable, current, 2)
    assert failed.value.message == "the observation for step 2 could not be read: SimTK Exception thrown"
    with pytest.raises(ControllerError) as refused:
        slot.excitations(lambda: OBSERVATION, current, 2)
    assert refused.value.message == f"step refused: the controller failed before ({failed.value.message})"
    slot.resume()
    assert slot.excitations(lambda: OBSERVATION, current, 2)[0] == 1.0


# -- in the simulation process ----------------------------------------------------------------
@pytest.fixture
def process():
    simulation = SimulationProcess(None, settings_for("fast"))
    yield simulation
    simulation.close()


def test_a_controllers_episode_is_the_environments_with_the_same_observations(process):
    import muscle_lab.env

    seen = []
    process.on_observation = seen.append
    process.set_observing(True)
    assert process.set_controller(str(EXAMPLES / "fixed_action.py")) == "FixedActionAgent().act from fixed_action.py"
    process.reset()  # under a controller a reset holds every control at 1.0, as the env's does
    frames = [process.step() for _ in range(15)]

    env = muscle_lab.env.ProstheticsEnv(mode="fast")
    observation, _ = env.reset()
    assert np.array_equal(seen[-16].values, observation)  # the reset's
    for frame, observed in zip(frames, seen[-15:], strict=True):
        observation, reward, *_ = env.step(fixed_action.FIXED_ACTION)
        assert frame.excitations.tolist() == fixed_action.FIXED_ACTION  # what was applied
        assert (observed.step, observed.episode) == (frame.step, frame.episode)
        assert np.array_equal(observed.values, observation)
        assert frame.reward == reward and frame.pelvis_height == env.unwrapped.get_state_desc()["body_pos"]["pelvis"][1]


def test_a_failing_controller_takes_no_step_and_the_process_serves_on(process, tmp_path):
    process.step()
    before = process.frame
    process.set_controller(str(write(tmp_path, "crash.py", CRASH)))
    process.send_step()
    process.send_step()  # asked ahead, as the window does: refused, collected, not taken
    with pytest.raises(ControllerError) as error:
        process.receive_step()
    assert (
        error.value.message
        == f"the controller raised ZeroDivisionError at step {before.step + 1}: float division by zero"
    )
    assert process.steps_in_flight == 0 and process.frame is before
    process.set_controller(None)
    after = process.step()
    assert (after.step, after.episode) == (before.step + 1, before.episode)  # from where it was


def test_a_slow_controller_is_stopped_inside_the_process(process, tmp_path):
    process.set_controller(
        str(write(tmp_path, "slow.py", "import time\ndef controller(o):\n    time.sleep(30)\n")), 0.3
    )
    with pytest.raises(ControllerError) as error:
        process.step()
    assert error.value.message.startswith("the controller took longer than 0.3 s at step 1 and was stopped")
    assert "time.sleep(30)" in error.value.details
    assert process.reset().step == 0


def test_a_controller_that_fails_to_load_leaves_none(process, tmp_path):
    process.set_controller(str(EXAMPLES / "fixed_action.py"))
    with pytest.raises(ControllerError) as error:
        process.set_controller(str(write(tmp_path, "empty.py", "x = 1\n")))
    assert str(error.value).endswith(
        "defines no 'controller': name the controller, empty.py:NAME (it defines no class or function)"
    )
    assert process.controller is None
    process.set_excitations([0.3] * 19)
    assert process.step().excitations.tolist() == [0.3] * 19  # the excitations drive again


def test_locked_muscles_keep_the_callers_values(process):
    process.set_controller(str(EXAMPLES / "fixed_action.py"))
    process.set_excitations([0.4] * 19)
    process.set_locked([i in (0, 2) for i in range(19)])
    expected = list(fixed_action.FIXED_ACTION)
    expected[0] = expected[2] = 0.4
    assert process.step().excitations.tolist() == expected


def test_a_restarted_process_loads_the_controller_again(process):
    process.set_controller(str(EXAMPLES / "fixed_action.py"))
    os.kill(process.pid, signal.SIGKILL)  # as if OpenSim crashed
    assert process.step().error.startswith("the simulation process stopped unexpectedly")
    process.reset()  # a new process
    assert process.controller == str(EXAMPLES / "fixed_action.py") and process.controller_dropped is None
    assert process.step().excitations.tolist() == fixed_action.FIXED_ACTION


def test_a_restarted_process_drops_a_controller_whose_file_broke_and_says_so(process, tmp_path):
    path = write(tmp_path, "edited.py", "def controller(o):\n    return [0.1] * 19\n")
    process.set_controller(str(path))
    path.write_text("def controller(o)\n")  # the user is editing it when OpenSim crashes
    os.kill(process.pid, signal.SIGKILL)
    process.step()
    process.reset()
    assert process.controller is None
    assert process.controller_dropped.message.startswith(f"{path} could not be loaded: SyntaxError")
    process.set_excitations([0.2] * 19)
    assert process.step().excitations.tolist() == [0.2] * 19
