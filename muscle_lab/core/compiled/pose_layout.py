"""A compiled engine's drawn pose built from its state x, in any process: OpenSim is not needed.

`PoseLayout` holds what `drawing(x)`'s output means (index arrays read once from the model by
core.compiled.pose) and builds a BodyPose from x. `DeferredPose` is a BodyPose kept as x and the
excitations (~80 numbers, not ~700) and built when first read: the window draws ~30 poses a
second while its simulation process takes up to ~700 steps, and computing and sending every
step's full pose cost that process ~15 % of its time. A DeferredPose crosses a pipe as x and the
path of its layout's file (written beside the compiled library, which the receiver loads with
ctypes); once received, it pickles as a full BodyPose (for caches on disk).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import pickle
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from muscle_lab.core.simulation.pose import BodyPose

if TYPE_CHECKING:
    from muscle_lab.core.compiled.codegen import CompiledFunction

BODY_VALUES = 12  # per body in `drawing`'s output: rotation (row by row), origin
POINT_VALUES = 4  # per path point: location, on the path (1) or not (0)
KEPT_BUILT = 16  # deferred poses that keep their built pose (a drawing reads a pose many times)


@dataclass(frozen=True, eq=False)
class PoseLayout:
    """Where each part of a BodyPose is in `drawing(x)`'s output, for one model and scene."""

    library: str  # the compiled library holding `drawing`
    body_names: tuple[str, ...]
    segments: tuple[tuple[int, int], ...]
    bodies: np.ndarray  # the model's body of each BodyPose body row
    frame_body: np.ndarray  # each mesh frame's body (-1: ground)
    frame_rotation: np.ndarray  # each mesh frame's rotation and offset in its body
    frame_translation: np.ndarray
    point_values: np.ndarray  # the 4 values of every drawn path point, muscle after muscle
    first_points: np.ndarray  # each muscle's first row among those points
    activation: np.ndarray  # each drawn muscle's activation's index in the output
    output_size: int
    body_count: int  # the model's bodies in the output (ground not among them)
    fiber_forces: bool  # whether poses carry fiber forces (they follow each activation)

    def build(
        self, x: np.ndarray, time: float, excitations: np.ndarray, drawing: CompiledFunction | None = None
    ) -> BodyPose:
        """The pose at x = [q, u, activation, fiber_length]; `excitations` in drawn muscle order."""
        out = np.empty(self.output_size)  # one per call: the render thread and the GUI may build at once
        (drawing or _drawing_of(self.library)).into(out, np.ascontiguousarray(x, dtype=float))
        values = out[: BODY_VALUES * self.body_count].reshape(-1, BODY_VALUES)
        # Body placements with ground's last, so that a frame on ground (body -1) reads identity.
        rotations = np.empty((self.body_count + 1, 3, 3))
        rotations[:-1], rotations[-1] = values[:, :9].reshape(-1, 3, 3), np.eye(3)
        origins = np.zeros((self.body_count + 1, 3))
        origins[:-1] = values[:, 9:]
        carrier = rotations[self.frame_body]  # each mesh frame's body (a copy)
        translations = origins[self.frame_body] + (carrier @ self.frame_translation[:, :, None])[:, :, 0]
        points = out[self.point_values].reshape(-1, POINT_VALUES)
        on = points[:, 3] != 0.0
        bounds = [0, *np.cumsum(np.add.reduceat(on, self.first_points)).tolist()]
        kept = points[on, :3]  # one new array, which nothing else holds: each path is a view of it
        paths = tuple(kept[start:end] for start, end in itertools.pairwise(bounds))  # np.split took 3x the time
        return BodyPose(
            time=time,
            body_names=self.body_names,
            body_positions=origins[self.bodies],
            segments=self.segments,
            muscle_paths=paths,
            activations=np.clip(out[self.activation], 0.0, 1.0),
            frame_rotations=carrier @ self.frame_rotation,
            frame_translations=translations,
            excitations=np.array(excitations, dtype=float),
            fiber_forces=out[self.activation + 1] if self.fiber_forces else None,
        )

    def save(self) -> str:
        """This layout's file beside its library (written once; the name is its content's hash)."""
        data = pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)
        library = Path(self.library)
        path = library.with_name(f"{library.stem}-pose-{hashlib.sha256(data).hexdigest()[:16]}.pickle")
        if not path.is_file():
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(data)
            os.replace(temporary, path)  # atomic: a reader never sees half of it
        with _LOCK:
            _LAYOUTS[str(path)] = self
        return str(path)


class DeferredPose(BodyPose):
    """A BodyPose kept as the state x it is drawn from; built (PoseLayout.build) when first read.

    Made by the simulation process (CompiledPose.deferred), it pickles as x and its layout's file;
    received, it pickles as the full BodyPose. Of all the built poses, only the KEPT_BUILT latest
    are kept: a history holds poses by the thousand and draws a few."""

    _layout_file: str
    _time: float
    _x: np.ndarray
    _excitations: np.ndarray
    _made_here: bool
    _built: BodyPose | None

    def __init__(self, layout_file: str, time: float, x: np.ndarray, excitations: np.ndarray, made_here: bool) -> None:
        for name, value in (
            ("_layout_file", layout_file),
            ("_time", float(time)),
            ("_x", x),
            ("_excitations", excitations),
            ("_made_here", made_here),
            ("_built", None),
        ):
            object.__setattr__(self, name, value)

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        if self._made_here:
            return _received_pose, (self._layout_file, self._time, self._x.tobytes(), self._excitations.tobytes())
        return BodyPose.__reduce__(self)

    @property
    def kept_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """What it holds until built: x and the excitations (the history counts their bytes)."""
        return self._x, self._excitations

    def _pose(self) -> BodyPose:
        built: BodyPose | None = self._built
        if built is not None:
            return built
        built = _layout(self._layout_file).build(self._x, self._time, self._excitations)
        with _LOCK:  # the GUI and the render thread may both have built it: the first one is kept
            if self._built is None:
                if len(_RECENT) >= KEPT_BUILT:
                    object.__setattr__(_RECENT.popleft(), "_built", None)
                _RECENT.append(self)
                object.__setattr__(self, "_built", built)
            kept: BodyPose = self._built  # type: ignore[assignment]
        return kept

    # BodyPose's fields, read from the built pose (time, names and excitations need no build).
    time = property(lambda self: self._time)
    body_names = property(lambda self: _layout(self._layout_file).body_names)
    segments = property(lambda self: _layout(self._layout_file).segments)
    excitations = property(lambda self: self._excitations)
    body_positions = property(lambda self: self._pose().body_positions)
    muscle_paths = property(lambda self: self._pose().muscle_paths)
    activations = property(lambda self: self._pose().activations)
    frame_rotations = property(lambda self: self._pose().frame_rotations)
    frame_translations = property(lambda self: self._pose().frame_translations)
    fiber_forces = property(lambda self: self._pose().fiber_forces)


_LOCK = threading.Lock()
_LAYOUTS: dict[str, PoseLayout] = {}  # by file, in this process
_DRAWINGS: dict[str, CompiledFunction] = {}  # by library, in this process
_RECENT: deque[DeferredPose] = deque()  # the deferred poses holding their built pose, oldest first


def _received_pose(layout_file: str, time: float, x: bytes, excitations: bytes) -> DeferredPose | None:
    """The pose, its layout and library loaded here now (once each): a pose that cannot be built
    is no pose (None: the drawing keeps the last one), never a failure in whatever draws it later.
    The simulation process writes a layout's file again if it went."""
    try:
        _drawing_of(_layout(layout_file).library)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        return None
    return DeferredPose(layout_file, time, np.frombuffer(x), np.frombuffer(excitations), made_here=False)


def _layout(path: str) -> PoseLayout:
    with _LOCK:
        layout = _LAYOUTS.get(path)
    if layout is None:
        layout = pickle.loads(Path(path).read_bytes())
        with _LOCK:
            _LAYOUTS[path] = layout
    return layout


def _drawing_of(library: str) -> CompiledFunction:
    with _LOCK:
        drawing = _DRAWINGS.get(library)
        if drawing is None:
            from muscle_lab.core.compiled.codegen import CompiledFunction  # ctypes only: no OpenSim, no CasADi

            drawing = _DRAWINGS[library] = CompiledFunction(Path(library), "drawing")
    return drawing
