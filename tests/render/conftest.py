"""The real default model after the hip thrust, and one offscreen renderer, shared by the render tests."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pytest

from muscle_lab.core.simulation.engine import Simulation
from muscle_lab.core.simulation.pose import BodyPose, PoseReader, SceneDescription
from muscle_lab.render.renderer import Renderer

HIP_THRUST = (2, 4, 10, 12)  # hamstrings_r, glut_max_r, hamstrings_l, glut_max_l
SIZE = (640, 480)


@dataclass(frozen=True)
class Run:
    scene: SceneDescription
    poses: tuple[BodyPose, ...]  # the start, then one per 0.01 s step
    muscle_names: tuple[str, ...]


@pytest.fixture(scope="session")
def hip_thrust() -> Run:
    """0.2 s of the hip thrust (faithful mode), with a pose read at the start and every step."""
    simulation = Simulation()
    reader = PoseReader(simulation.loaded)
    excitations = np.zeros(len(simulation.muscles))
    excitations[list(HIP_THRUST)] = 1.0
    simulation.set_excitations(excitations)
    poses = [reader.read(simulation.state)]
    for _ in range(20):
        simulation.step()
        poses.append(reader.read(simulation.state))
    return Run(reader.scene, tuple(poses), simulation.muscle_names)


@pytest.fixture(scope="session")
def boneless(hip_thrust) -> Renderer:
    """The same scene with no meshes: what the view shows where there are no bones (the ground
    wherever no muscle is drawn)."""
    renderer = Renderer(SIZE)
    renderer.set_scene(dataclasses.replace(hip_thrust.scene, meshes=()))
    yield renderer
    renderer.release()


@pytest.fixture(scope="session")
def renderer(hip_thrust) -> Renderer:
    renderer = Renderer(SIZE)
    renderer.set_scene(hip_thrust.scene)
    yield renderer
    renderer.release()
