"""A controller's declared parameters: read without running the file, bad declarations named,
the values given to a class's constructor or a function's calls, the search's [0, 1] scaling."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from muscle_lab.core.simulation.controller_parameters import (
    Parameter,
    ParameterError,
    load_params_file,
    read_parameters,
)
from muscle_lab.core.simulation.user_controller import ControllerError, ControllerSpec, load_controller
from muscle_lab.core.tune.space import ParameterSpace
from muscle_lab.examples import gait_pattern

MUSCLES = tuple(f"m{i}" for i in range(19))
OBSERVATION = np.zeros(160)


def write(folder: Path, code: str, name: str = "ctrl.py") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(code))
    return path


def test_the_example_declares_its_parameters_and_takes_them():
    parameters = read_parameters(Path(gait_pattern.__file__))
    assert [p.name for p in parameters] == list(gait_pattern.PARAMETERS)
    assert parameters[0] == Parameter("frequency", 0.9, 0.4, 2.0)
    spec = ControllerSpec.parse(gait_pattern.__file__)
    controller = load_controller(ControllerSpec(spec.path, None, (("tone", 0.25),)), MUSCLES, 160)
    assert controller.description.startswith("GaitPattern().act from gait_pattern.py with frequency=0.9, ")
    assert "tone=0.25" in controller.description
    assert controller.act(OBSERVATION, 1).min() >= 0.25  # every muscle keeps the tone


def test_the_examples_defaults_are_its_declared_initial_values():
    """So that GaitPattern() without muscle_lab is the search's start."""
    import inspect

    defaults = {n: p.default for n, p in inspect.signature(gait_pattern.GaitPattern).parameters.items()}
    assert defaults == {name: initial for name, (initial, _low, _high) in gait_pattern.PARAMETERS.items()}


def test_the_declaration_is_read_without_running_the_file(tmp_path):
    path = write(
        tmp_path,
        """
        raise SystemExit("never run")
        PARAMETERS = {"gain": (1, 0, 2), "bias": [0.5, -1, 1.5]}
    """,
    )
    assert read_parameters(path) == (Parameter("gain", 1.0, 0.0, 2.0), Parameter("bias", 0.5, -1.0, 1.5))
    assert read_parameters(write(tmp_path, "def controller(o):\n    return o\n", "none.py")) == ()


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        ("[1, 2, 3]", "PARAMETERS in ctrl.py must be a dict of name: (initial, low, high), not a list"),
        ('{"gain": (1, 0)}', "PARAMETERS['gain'] in ctrl.py must be (initial, low, high), got (1, 0)"),
        ('{"gain": (1, "0", 2)}', ("PARAMETERS['gain'] in ctrl.py must be three numbers (initial, low, high), "
                                  "got (1, '0', 2)")),
        ('{"gain": (1, 2, 0)}', "PARAMETERS['gain'] in ctrl.py: low (2) must be below high (0)"),
        ('{"gain": (3, 0, 2)}', "PARAMETERS['gain'] in ctrl.py: the initial value 3 is outside [0, 2]"),
        ('{"gain": (1, 0, float("inf"))}', ("PARAMETERS in ctrl.py must be a literal dict of name: (initial, low, "
                                           "high) (muscle_lab reads it without running the file): no names, calls "
                                           "or expressions")),
        ('{"the gain": (1, 0, 2)}', ("PARAMETERS['the gain'] in ctrl.py: a parameter's name must be a Python "
                                    "identifier (a keyword argument)")),
        ('{"gain": (True, 0, 2)}', ("PARAMETERS['gain'] in ctrl.py must be three numbers (initial, low, high), "
                                   "got (True, 0, 2)")),
    ],
)  # fmt: skip
def test_a_bad_declaration_names_its_entry(tmp_path, declaration, message):
    path = write(tmp_path, f"PARAMETERS = {declaration}\ndef controller(o, gain=1):\n    return o\n")
    with pytest.raises(ParameterError) as error:
        read_parameters(path)
    assert str(error.value) == message


def test_a_function_gets_the_values_in_each_call(tmp_path):
    path = write(
        tmp_path,
        """
        import numpy as np
        PARAMETERS = {"level": (0.1, 0.0, 1.0), "muscle": (0, 0, 18)}
        def controller(observation, level=0.1, muscle=0):
            action = np.zeros(19)
            action[int(muscle)] = level
            return action
    """,
    )
    controller = load_controller(ControllerSpec(path, None, (("level", 0.7), ("muscle", 3.0))), MUSCLES, 160)
    assert controller.act(OBSERVATION, 1)[3] == pytest.approx(0.7)
    plain = load_controller(ControllerSpec(path), MUSCLES, 160)  # the initial values
    assert plain.act(OBSERVATION, 1)[0] == pytest.approx(0.1)


def test_a_controller_that_does_not_take_a_declared_parameter_is_named(tmp_path):
    path = write(
        tmp_path,
        """
        PARAMETERS = {"gain": (1, 0, 2), "speed": (1, 0, 2)}
        class Agent:
            def __init__(self, gain=1.0):
                self.gain = gain
            def act(self, observation):
                return [self.gain] * 19
    """,
    )
    with pytest.raises(ControllerError) as error:
        load_controller(ControllerSpec(path), MUSCLES, 160)
    assert str(error.value) == (
        "Agent in ctrl.py does not take 'speed', which PARAMETERS declares: each parameter must be a keyword "
        "argument of the class's constructor or of the function"
    )


def test_values_for_a_file_without_parameters_or_unknown_names_are_refused(tmp_path):
    plain = write(tmp_path, "def controller(o):\n    return [0] * 19\n", "plain.py")
    with pytest.raises(ControllerError, match=r"^plain.py declares no PARAMETERS: its controller takes no parameters$"):
        load_controller(ControllerSpec(plain, None, (("gain", 1.0),)), MUSCLES, 160)
    params = tmp_path / "best.json"
    params.write_text('{"parameters": {"frequncy": 1.2}}')
    with pytest.raises(ParameterError) as error:
        load_params_file(params, read_parameters(Path(gait_pattern.__file__)))
    assert str(error.value).startswith(f"{params}: no parameter named 'frequncy'; the controller declares: frequency, ")
    params.write_text('{"frequency": 1.2}')  # a plain object; the others keep their initial values
    values = dict(load_params_file(params, read_parameters(Path(gait_pattern.__file__))))
    assert values["frequency"] == 1.2 and values["tone"] == 0.05


def test_the_space_scales_each_parameter_to_its_bounds():
    space = ParameterSpace((Parameter("a", 1.0, 0.0, 4.0), Parameter("b", -5.0, -10.0, 10.0)))
    assert space.x0().tolist() == [0.25, 0.25]
    assert space.decode(np.array([0.5, 1.0])) == (("a", 2.0), ("b", 10.0))
    assert space.decode(np.array([-3.0, 7.0])) == (("a", 0.0), ("b", 10.0))  # never outside the bounds
