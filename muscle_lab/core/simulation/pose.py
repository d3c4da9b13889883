"""Where the model's bodies, bone meshes and muscle paths are, in ground coordinates, for drawing.

Read where the simulation runs (it calls OpenSim: in the simulation process); the resulting
`SceneDescription` (once per model) and `BodyPose` (per instant) hold plain data and numpy
arrays only, so they pickle to the window's process, which never imports OpenSim.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from muscle_lab.core.muscles import side_of

if TYPE_CHECKING:  # BodyPose is unpickled in processes that never load OpenSim
    import opensim

    from muscle_lab.core.simulation.model import LoadedModel


@dataclass(frozen=True)
class MeshInfo:
    """One bone mesh of the model, as its `Mesh` component describes it."""

    name: str  # the component's path in the model, e.g. /bodyset/pelvis/pelvis_geom_2
    mesh_file: str  # as written in the model, e.g. pelvis.vtp
    path: str | None  # the file found on disk, None when missing
    scale: tuple[float, float, float]
    colour: tuple[float, float, float]  # 0..1
    opacity: float
    visible: bool
    frame_index: int  # row of BodyPose.frame_rotations / frame_translations


@dataclass(frozen=True)
class SceneDescription:
    """What to draw for one model, read once: meshes, their frames and the muscles."""

    model_path: str
    meshes: tuple[MeshInfo, ...]
    frame_names: tuple[str, ...]  # frames that carry meshes, in BodyPose row order
    muscle_names: tuple[str, ...]
    muscle_sides: tuple[str, ...]  # "right", "left" or ""
    pelvis_index: int  # row of BodyPose.body_positions the camera follows

    @property
    def missing_meshes(self) -> tuple[str, ...]:
        """Mesh files the model names but that were not found (each once, in model order)."""
        return tuple(dict.fromkeys(m.mesh_file for m in self.meshes if m.path is None))


@dataclass(frozen=True)
class BodyPose:
    """A snapshot of the model's geometry at one instant (metres, OpenSim ground frame:
    x forward, y up, z to the model's right)."""

    time: float
    body_names: tuple[str, ...]
    body_positions: np.ndarray  # n_bodies x 3, each body's origin
    segments: tuple[tuple[int, int], ...]  # (parent, child) rows of body_positions, one per joint
    muscle_paths: tuple[np.ndarray, ...]  # per muscle, k x 3 path points from origin to insertion
    activations: np.ndarray  # per muscle, in [0, 1]
    # Each mesh-carrying frame's placement in ground (SceneDescription.frame_names order):
    # a point p of the frame is at rotation @ p + translation.
    frame_rotations: np.ndarray = field(default_factory=lambda: np.zeros((0, 3, 3)))
    frame_translations: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    excitations: np.ndarray | None = None  # per muscle, the controls applied in the last step
    fiber_forces: np.ndarray | None = None  # per muscle, fiber force / max isometric force

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        """Pickled as one buffer of numbers and its layout: a pose crosses the pipe after every
        step, and two dozen arrays pickled one by one cost the simulation process and the
        window's simulation thread twice the time (unpickled, the arrays are read-only views)."""
        optional = (self.excitations, self.fiber_forces)
        if any(a is not None and len(a) != len(self.activations) for a in optional):
            raise ValueError("a pose's excitations and fiber forces have one value per muscle, as its activations")
        arrays = [self.body_positions, self.activations, self.frame_rotations, self.frame_translations]
        arrays += [*self.muscle_paths, *(a for a in optional if a is not None)]
        numbers = np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in arrays]).tobytes()
        layout = (
            len(self.body_positions),
            len(self.activations),
            len(self.frame_rotations),
            tuple(len(path) for path in self.muscle_paths),
            tuple(a is not None for a in optional),
        )
        return _unpack_pose, (self.time, self.body_names, self.segments, layout, numbers)


def _unpack_pose(
    time: float,
    body_names: tuple[str, ...],
    segments: tuple[tuple[int, int], ...],
    layout: tuple[int, int, int, tuple[int, ...], tuple[bool, bool]],
    numbers: bytes,
) -> BodyPose:
    bodies, muscles, frames, path_lengths, present = layout
    values = np.frombuffer(numbers)
    at = 3 * bodies + muscles + 12 * frames
    positions = values[: 3 * bodies].reshape(bodies, 3)
    activations = values[3 * bodies : 3 * bodies + muscles]
    rotations = values[at - 12 * frames : at - 3 * frames].reshape(frames, 3, 3)
    translations = values[at - 3 * frames : at].reshape(frames, 3)
    points = sum(path_lengths)
    rows = values[at : at + 3 * points].reshape(points, 3)
    ends = list(itertools.accumulate(path_lengths, initial=0))
    paths = tuple(rows[a:b] for a, b in itertools.pairwise(ends))
    at += 3 * points
    excitations = fiber_forces = None
    if present[0]:
        excitations, at = values[at : at + muscles], at + muscles
    if present[1]:
        fiber_forces = values[at : at + muscles]
    return BodyPose(
        time, body_names, positions, segments, paths, activations, rotations, translations, excitations, fiber_forces
    )


def joint_segments(loaded: LoadedModel) -> tuple[tuple[int, int], ...]:
    """Each joint as a (parent body, child body) pair; joints to ground are left out:
    they have no bone to draw."""
    index_of = {name: i for i, name in enumerate(loaded.body_names)}
    joint_set = loaded.model.getJointSet()
    segments = []
    for i in range(joint_set.getSize()):
        joint = joint_set.get(i)
        parent = joint.getParentFrame().findBaseFrame().getName()
        child = joint.getChildFrame().findBaseFrame().getName()
        if parent in index_of and child in index_of:
            segments.append((index_of[parent], index_of[child]))
    return tuple(segments)


def resolve_mesh_file(mesh_file: str, model_path: Path, search_dirs: tuple[Path, ...] = ()) -> Path | None:
    """Find a mesh file as OpenSim does: as given if absolute, else in the model's folder,
    then its `Geometry/` folder, then any extra folders; None when it is nowhere."""
    candidate = Path(mesh_file)
    if candidate.is_absolute():
        return candidate if candidate.is_file() else None
    folder = model_path.parent
    for directory in (folder, folder / "Geometry", *search_dirs):
        if (directory / candidate).is_file():
            return (directory / candidate).resolve()
    return None


def describe_scene(
    loaded: LoadedModel, search_dirs: tuple[Path, ...] = ()
) -> tuple[SceneDescription, list[opensim.Frame]]:
    """The model's meshes as plain data, plus the OpenSim frame objects (rows of the pose)."""
    import opensim  # only where OpenSim already runs

    frames: list[opensim.Frame] = []
    frame_rows: dict[str, int] = {}
    meshes = []
    for component in loaded.model.getComponentsList():
        mesh = opensim.Mesh.safeDownCast(component)
        if mesh is None:
            continue
        frame = mesh.getFrame()
        frame_name = frame.getAbsolutePathString()
        if frame_name not in frame_rows:
            frame_rows[frame_name] = len(frames)
            frames.append(frame)
        appearance = mesh.get_Appearance()
        scale, colour = mesh.get_scale_factors(), appearance.get_color()
        resolved = resolve_mesh_file(mesh.get_mesh_file(), loaded.path, search_dirs)
        meshes.append(
            MeshInfo(
                name=mesh.getAbsolutePathString(),
                mesh_file=mesh.get_mesh_file(),
                path=str(resolved) if resolved is not None else None,
                scale=(scale.get(0), scale.get(1), scale.get(2)),
                colour=(colour.get(0), colour.get(1), colour.get(2)),
                opacity=appearance.get_opacity(),
                visible=appearance.get_visible(),
                frame_index=frame_rows[frame_name],
            )
        )
    names = tuple(m.name for m in loaded.muscles)
    scene = SceneDescription(
        model_path=str(loaded.path),
        meshes=tuple(meshes),
        frame_names=tuple(frame_rows),
        muscle_names=names,
        muscle_sides=tuple(side_of(n) for n in names),
        pelvis_index=loaded.body_names.index(loaded.pelvis.getName()),
    )
    return scene, frames


class PoseReader:
    """Reads `BodyPose`s from one loaded model; the joint structure and meshes are looked up once.

    `fiber_forces` adds each muscle's fiber force over its maximum isometric force; it needs
    the state realized to Velocity (the simulation's steps already are) and costs ~0.1 ms for
    19 muscles, as OpenSim computes the muscle's dynamics on demand.
    """

    def __init__(self, loaded: LoadedModel, fiber_forces: bool = True, search_dirs: tuple[Path, ...] = ()) -> None:
        self._loaded = loaded
        self._segments = joint_segments(loaded)
        self._paths = [muscle.getGeometryPath() for muscle in loaded.muscle_objects]
        self._scene, self._frames = describe_scene(loaded, search_dirs)
        self._fiber_forces = fiber_forces
        self._max_forces = np.array([m.getMaxIsometricForce() for m in loaded.muscle_objects], dtype=float)

    @property
    def segments(self) -> tuple[tuple[int, int], ...]:
        return self._segments

    @property
    def loaded(self) -> LoadedModel:
        return self._loaded

    @property
    def frames(self) -> tuple[opensim.Frame, ...]:
        """The OpenSim frames that carry meshes, in BodyPose row order."""
        return tuple(self._frames)

    @property
    def fiber_forces(self) -> bool:
        """Whether poses carry fiber forces."""
        return self._fiber_forces

    @property
    def scene(self) -> SceneDescription:
        """The model's meshes and muscles as plain data, to send to the window once per model."""
        return self._scene

    def read(self, state: opensim.State) -> BodyPose:
        """The pose in `state`; realizes it to Velocity (cheap if already further along)."""
        loaded = self._loaded
        loaded.model.realizeVelocity(state)  # excitations and fiber forces need it; paths need Position
        # Vec3.to_numpy is one call where three get()s are three: a pose is ~100 vectors.
        positions = np.array([body.getPositionInGround(state).to_numpy() for body in loaded.bodies])
        paths = []
        for path in self._paths:
            points = path.getCurrentPath(state)  # via and conditional points included as active
            paths.append(
                np.array(
                    [points.get(k).getLocationInGround(state).to_numpy() for k in range(points.getSize())]
                ).reshape(-1, 3)
            )
        rotations = np.empty((len(self._frames), 3, 3))
        translations = np.empty((len(self._frames), 3))
        for row, frame in enumerate(self._frames):
            transform = frame.getTransformInGround(state)
            rotation = transform.R()
            rotations[row] = [[rotation.get(i, j) for j in range(3)] for i in range(3)]
            translations[row] = transform.p().to_numpy()
        muscles = loaded.muscle_objects
        fiber_forces = None
        if self._fiber_forces:
            fiber_forces = np.array([m.getFiberForce(state) for m in muscles]) / self._max_forces
        return BodyPose(
            time=state.getTime(),
            body_names=loaded.body_names,
            body_positions=positions,
            segments=self._segments,
            muscle_paths=tuple(paths),
            activations=np.clip(np.array(loaded.activations(state), dtype=float), 0.0, 1.0),
            frame_rotations=rotations,
            frame_translations=translations,
            excitations=np.array([m.getExcitation(state) for m in muscles], dtype=float),
            fiber_forces=fiber_forces,
        )
