"""Start-state noise and pushes for robust policies, as MyoSuite's and LocoMuJoCo's environments
offer them; off by default, so that osim-rl's environments behave as osim-rl's.

- **Start noise**: at each reset, every free rotational coordinate's angle gets N(0, `pose`) rad
  and its speed N(0, `speed`) rad/s, before the muscles are equilibrated (so the fibers start in
  equilibrium with the new pose). Translations (the pelvis's position, the arm's target) keep the
  model's values: noise there would sink the feet into the ground or lift the body off it.
- **Push**: once an episode, at a step drawn uniformly from `window`, a horizontal force of
  `force` newtons in a random direction (3D models; forward or backward in 2D ones) for `duration`
  seconds. It is delivered as its momentum: before each step of the push, the pelvis's
  translational speeds change by force x 0.01 s / the body's mass, which moves the whole body as
  a force through its centre of mass would, the ground contact answering in the step. (A force
  component in the model would make the compiled engine decline it; both engines take speeds.)

Both draw from the environment's `np_random`, so `reset(seed=S)` makes them reproducible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from muscle_lab.core.frame import STEP_SECONDS

PELVIS_HORIZONTAL = ("pelvis_tx", "pelvis_tz")  # osim-rl's gait models' pelvis translations


@dataclass(frozen=True)
class StartNoise:
    """Standard deviations of the noise on angles (rad) and angular speeds (rad/s)."""

    pose: float = 0.0
    speed: float = 0.0
    skip: tuple[str, ...] = ()  # coordinates left alone (the arm's target)

    @property
    def on(self) -> bool:
        return self.pose > 0.0 or self.speed > 0.0

    def adjust(self, random: np.random.Generator) -> Any:
        """The reset's hook (core.simulation.engine.AdjustStart): draws once per reset."""

        def adjust(model: Any, state: Any) -> None:
            import opensim

            coordinates = model.getCoordinateSet()
            for i in range(coordinates.getSize()):
                coordinate = coordinates.get(i)
                name = coordinate.getName()
                rotational = coordinate.getMotionType() == opensim.Coordinate.Rotational
                if not rotational or coordinate.getLocked(state) or name.startswith(self.skip):
                    continue
                dq, du = random.normal(0.0, self.pose), random.normal(0.0, self.speed)
                coordinate.setValue(state, coordinate.getValue(state) + dq, False)
                coordinate.setSpeedValue(state, coordinate.getSpeedValue(state) + du)

        return adjust


@dataclass(frozen=True)
class Push:
    """A push of `force` N for `duration` s starting at a step of `window` (inclusive)."""

    force: float = 0.0
    duration: float = 0.1
    window: tuple[int, int] = (50, 150)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.force) and self.force >= 0.0):
            raise ValueError(f"push_force must be a force in newtons, 0 or more, got {self.force}")
        if not (math.isfinite(self.duration) and self.duration >= STEP_SECONDS):
            raise ValueError(f"push_duration must be at least one step ({STEP_SECONDS} s), got {self.duration}")
        low, high = self.window
        if not 1 <= low <= high:
            raise ValueError(f"push_window must be (first, last) steps with 1 <= first <= last, got {self.window}")

    @property
    def on(self) -> bool:
        return self.force > 0.0

    def plan(self, random: np.random.Generator, directions: int) -> PushPlan:
        """This episode's push: its first step and its force along pelvis_tx and pelvis_tz."""
        first = int(random.integers(self.window[0], self.window[1] + 1))
        if directions == 2:
            angle = random.uniform(0.0, 2.0 * math.pi)
            fx, fz = self.force * math.cos(angle), self.force * math.sin(angle)
        else:  # a planar model: forward or backward
            fx, fz = self.force * (1.0 if random.random() < 0.5 else -1.0), 0.0
        steps = round(self.duration / STEP_SECONDS)
        return PushPlan(first, first + steps - 1, fx, fz)


@dataclass(frozen=True)
class PushPlan:
    """Steps `first` to `last` (each pushed before it is taken) and the force, N."""

    first: int
    last: int
    fx: float
    fz: float

    def applies_to(self, step: int) -> bool:
        return self.first <= step <= self.last


def horizontal_coordinates(simulation: Any) -> list[str]:
    """The pelvis's free horizontal translations (what a push changes); ValueError where none."""
    state = simulation.state
    coordinates = simulation.loaded.model.getCoordinateSet()
    found = [
        name for name in PELVIS_HORIZONTAL if coordinates.contains(name) and not coordinates.get(name).getLocked(state)
    ]
    if "pelvis_tx" not in found:
        raise ValueError(
            f"a push needs a model with a free pelvis_tx coordinate (osim-rl's gait models): {simulation.model_path}"
        )
    return found


def push(simulation: Any, plan: PushPlan, names: list[str]) -> None:
    """One step's share of the push: the pelvis's horizontal speeds change by F * 0.01 s / mass.

    Applied to the state the next step starts from (`rewind`: the same step, new speeds), on the
    engine running: the compiled engine's state is [q, u, ...] in its own coordinate order,
    OpenSim's is its Y, which its API writes.
    """
    model = simulation.loaded.model
    mass = model.getTotalMass(simulation.state)
    changes = dict(zip(names, (plan.fx * STEP_SECONDS / mass, plan.fz * STEP_SECONDS / mass), strict=False))
    saved = simulation.saved_state()
    values = np.array(saved.values, dtype=float)
    if getattr(simulation, "engine", "opensim") == "compiled":
        order = [c.name for c in simulation.inner.data.coordinates]
        for name, change in changes.items():
            values[len(order) + order.index(name)] += change
    else:
        import opensim

        state = opensim.State(simulation.state)
        coordinates = model.getCoordinateSet()
        for name, change in changes.items():
            coordinate = coordinates.get(name)
            coordinate.setSpeedValue(state, coordinate.getSpeedValue(state) + change)
        values = state.getY().to_numpy().copy()
    simulation.rewind(replace(saved, values=values))
