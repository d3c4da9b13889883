"""OpenSim's values at given states, level by level, and random states to compare at: the
reference the compiled equations are proven against (issue 22)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import opensim

from muscle_lab.core.compiled.model_data import ModelData
from muscle_lab.core.simulation.model import LoadedModel

States = dict[str, np.ndarray]


def random_states(data: ModelData, rng: np.random.Generator, count: int) -> States:
    """Coordinates across (and 10 % beyond) their ranges and beyond both limits of any limit
    force on them, the free body near standing height so that the feet are sometimes in contact,
    speeds, activations (some below the minimum), fiber lengths (some below the minimum) and
    excitations."""
    ground_joint = {c for j in data.joints if j.parent == "ground" for c in j.coordinates}
    q = np.empty((count, len(data.coordinates)))
    for i, c in enumerate(data.coordinates):
        if i in ground_joint:
            if c.rotational:
                low, high = -0.4, 0.4
            elif c.name.endswith("_ty"):  # height above the floor: osim-rl's models stand at ~0.94 m
                low, high = 0.75, 1.05
            else:
                low, high = -1.0, 1.0
        else:
            margin = 0.1 * (c.range_max - c.range_min)
            low, high = c.range_min - margin, c.range_max + margin
            for limit in (f for f in data.limit_forces if f.coordinate == i):  # the knees' lie outside the range
                low, high = min(low, limit.lower_limit - 0.1), max(high, limit.upper_limit + 0.1)
        q[:, i] = rng.uniform(low, high, count)
    optimal = np.array([m.optimal_fiber_length for m in data.muscles])
    m = len(data.muscles)
    return {
        "q": q,
        "u": rng.normal(0.0, 1.5, (count, len(data.coordinates))),
        "activation": rng.uniform(0.0, 1.0, (count, m)),
        "fiber_length": optimal * rng.uniform(0.05, 1.8, (count, m)),
        "excitation": rng.uniform(0.0, 1.0, (count, m)),
    }


class OpenSimReference:
    """Sets a LoadedModel's state to each sample and reads what OpenSim computes."""

    def __init__(self, loaded: LoadedModel, data: ModelData) -> None:
        self.loaded, self.data = loaded, data
        model = loaded.model
        self.model = model
        self.state = model.initializeState()
        coordinates = model.getCoordinateSet()
        self.coordinates = [coordinates.get(c.name) for c in data.coordinates]
        forces = model.getForceSet()
        self.muscles = [opensim.ActivationFiberLengthMuscle.safeDownCast(forces.get(m.name)) for m in data.muscles]
        self.contacts = [forces.get(c.name) for c in data.contacts]
        self.limits = [forces.get(f.name) for f in data.limit_forces]
        self.springs = [forces.get(f.name) for f in data.springs]
        self.bodies = [model.getBodySet().get(b.name) for b in data.bodies]
        paths = [m.getAbsolutePathString() for m in self.muscles]
        self.activation_names = [f"{p}/activation" for p in paths]
        self.fiber_names = [f"{p}/fiber_length" for p in paths]

    def set_state(self, states: States, k: int) -> None:
        s = self.state
        for coordinate, q, u in zip(self.coordinates, states["q"][k], states["u"][k], strict=True):
            coordinate.setValue(s, float(q), False)
            coordinate.setSpeedValue(s, float(u))
        for muscle, a, lm in zip(self.muscles, states["activation"][k], states["fiber_length"][k], strict=True):
            muscle.setActivation(s, float(a))
            muscle.setFiberLength(s, float(lm))
        self.loaded.set_controls([float(e) for e in states["excitation"][k]])

    def touch_down(self, states: States, rng: np.random.Generator, share: float = 0.7) -> None:
        """Lower (or raise) the free body of a `share` of the states so that its lowest contact
        sphere ends between 10 mm inside the floor and 5 mm above it: random poses seldom touch."""
        height = next((i for i, c in enumerate(self.data.coordinates) if c.name.endswith("_ty")), None)
        spheres = [s for force in self.data.contacts for s in force.surfaces if s.kind == "sphere"]
        if height is None or not spheres:
            return
        bodies = {s.body: self.model.getBodySet().get(s.body) for s in spheres}
        for k in np.nonzero(rng.uniform(size=len(states["q"])) < share)[0]:
            self.set_state(states, int(k))
            self.model.realizePosition(self.state)
            lowest = min(
                bodies[s.body]
                .getTransformInGround(self.state)
                .shiftFrameStationToBase(opensim.Vec3(*s.frame.translation))[1]
                - s.radius
                for s in spheres
            )
            states["q"][k, height] -= lowest - rng.uniform(-0.01, 0.005)

    def evaluate(self, level: str, states: States) -> np.ndarray:
        rows = []
        for k in range(len(states["q"])):
            self.set_state(states, k)
            rows.append(getattr(self, f"_{level}")())
        return np.array(rows)

    def _kinematics(self) -> list[float]:
        self.model.realizeVelocity(self.state)
        values: list[float] = []
        for body in self.bodies:
            transform = body.getTransformInGround(self.state)
            r = transform.R()
            values.extend(r.get(i, j) for i in range(3) for j in range(3))
            values.extend(transform.p()[i] for i in range(3))
            velocity = body.getVelocityInGround(self.state)
            values.extend(velocity.get(0)[i] for i in range(3))
            values.extend(velocity.get(1)[i] for i in range(3))
        return values

    def _paths(self) -> list[float]:
        self.model.realizeVelocity(self.state)
        lengths = [m.getLength(self.state) for m in self.muscles]
        return lengths + [m.getLengtheningSpeed(self.state) for m in self.muscles]

    def _muscles(self) -> list[float]:
        self.model.realizeAcceleration(self.state)
        tendon = [m.getTendonForce(self.state) for m in self.muscles]
        return tendon + self._derivatives(self.fiber_names) + self._derivatives(self.activation_names)

    def _contacts(self) -> list[float]:
        """Per force, each body's (force, torque about its origin) once, ground left out."""
        self.model.realizeDynamics(self.state)
        values: list[float] = []
        for force, data in zip(self.contacts, self.data.contacts, strict=True):
            record = force.getRecordValues(self.state)
            seen: set[str] = set()
            for k, surface in enumerate(data.surfaces):
                if surface.body == "ground" or surface.body in seen:
                    continue
                seen.add(surface.body)
                values.extend(record.get(6 * k + i) for i in range(6))
        return values

    def _limits(self) -> list[float]:
        self.model.realizeDynamics(self.state)
        forces = [f.getRecordValues(self.state).get(0) for f in self.limits]
        return forces + [f.getRecordValues(self.state).get(0) for f in self.springs]

    def _derivative(self) -> list[float]:
        self.model.realizeAcceleration(self.state)
        speeds = [c.getSpeedValue(self.state) for c in self.coordinates]
        accelerations = [c.getAccelerationValue(self.state) for c in self.coordinates]
        return speeds + accelerations + self._derivatives(self.activation_names) + self._derivatives(self.fiber_names)

    def _derivatives(self, names: list[str]) -> list[float]:
        return [self.model.getStateVariableDerivativeValue(self.state, name) for name in names]


def worst(ours: np.ndarray, theirs: np.ndarray, absolute: float = 1e-9) -> tuple[float, float, float]:
    """The largest absolute difference, the largest relative one among values above `absolute`,
    and the largest ratio of the difference to the bar max(absolute, 1e-8 |theirs|)."""
    difference = np.abs(ours - theirs)
    scale = np.abs(theirs)
    relative = np.where(scale > absolute, difference / np.maximum(scale, absolute), 0.0)
    ratio = difference / np.maximum(absolute, 1e-8 * scale)
    return float(np.nanmax(difference)), float(np.nanmax(relative)), float(np.nanmax(ratio))


LEVELS = ("kinematics", "paths", "muscles", "contacts", "limits", "derivative")


def coverage(data: ModelData, states: States, contact_forces: np.ndarray) -> dict[str, float]:
    """What a sample holds (OpenSim's contact forces at its states given): the share of states
    with a contact force, and the fewest states any conditional path point is on its path, off
    it, and any limited coordinate beyond its upper and its lower limit."""
    q = states["q"]
    conditional = [p for m in data.muscles for p in m.path if p.kind == "conditional"]
    on = np.array([(q[:, p.coordinate] >= p.range_min) & (q[:, p.coordinate] <= p.range_max) for p in conditional])
    limits = data.limit_forces
    return {
        "in contact": float((np.abs(contact_forces).sum(axis=1) > 0).mean()),
        "conditional on": float(on.sum(axis=1).min()) if conditional else 0.0,
        "conditional off": float((~on).sum(axis=1).min()) if conditional else 0.0,
        "above a limit": float(min((q[:, f.coordinate] > f.upper_limit).sum() for f in limits)) if limits else 0.0,
        "below a limit": float(min((q[:, f.coordinate] < f.lower_limit).sum() for f in limits)) if limits else 0.0,
    }


def sweep(model: str | None, count: int, seed: int = 2026) -> list[str]:
    """The proof at `count` random states of a model (None: the prosthetic one), level by level:
    a line per level with the worst absolute and relative differences and the share of the bar
    (1e-8 relative or 1e-9 absolute) the worst value uses, then what the states covered and a
    table row (model, states, contact share, worst absolute, worst relative, worst share of the bar)."""
    from muscle_lab.core.compiled.reader import read_model
    from muscle_lab.core.compiled.worker import CasadiWorker
    from muscle_lab.core.paths import DEFAULT_MODEL_FILE

    loaded = LoadedModel(model, weld_locked=True)
    name = Path(model or DEFAULT_MODEL_FILE).stem
    data = read_model(loaded.model)
    reference = OpenSimReference(loaded, data)
    rng = np.random.default_rng(seed)
    states = random_states(data, rng, count)
    reference.touch_down(states, rng)
    lines, worst_of_all, contact_forces = [], np.zeros(3), np.zeros((count, 0))
    with CasadiWorker(data) as worker:
        for level in LEVELS:
            theirs = reference.evaluate(level, states)
            largest, relative, ratio = worst(worker.evaluate(level, states), theirs)
            worst_of_all = np.maximum(worst_of_all, (largest, relative, ratio))
            contact_forces = theirs if level == "contacts" else contact_forces
            lines.append(
                f"{name} {level}: {count} states, worst {largest:.2e} absolute, {relative:.2e} relative, "
                f"{ratio:.3f} of the bar"
            )
    held = coverage(data, states, contact_forces)
    lines.append(f"{name} covered: " + ", ".join(f"{key} {value:g}" for key, value in held.items()))
    largest, relative, ratio = worst_of_all
    share = f"1/{1 / max(ratio, 1e-300):.0f}" if ratio < 1 else f"{ratio:.2f} (over the bar)"
    lines.append(f"| {name} | {count:,} | {held['in contact']:.0%} | {largest:.1e} | {relative:.1e} | {share} |")
    return lines


if __name__ == "__main__":  # python -m muscle_lab.core.compiled.reference [--states N] [MODEL ...]
    import argparse

    from muscle_lab.core.paths import osim_rl_models_dir

    parser = argparse.ArgumentParser(description=sweep.__doc__)
    parser.add_argument("models", nargs="*", help="model files, or names in osim-rl's models folder")
    parser.add_argument("--states", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=2026)
    arguments = parser.parse_args()
    for name in arguments.models or [None]:
        path = name if name is None or not name.endswith(".osim") or "/" in name else str(osim_rl_models_dir() / name)
        for line in sweep(path, arguments.states, arguments.seed):
            print(line, flush=True)
