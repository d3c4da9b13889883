"""What osim-rl's environments share (its `OsimEnv`), as a gymnasium environment on muscle_lab's simulation.

A subclass names its model, its time limit, its observation, its reward and when it is done;
this class steps the model 0.01 s at a time, keeps osim-rl's state descriptions (the current
one and the one before the step) and its attribute names (`istep`, `time_limit`,
`integrator_accuracy`, `get_observation_space_size`, ...), and adds what gymnasium's tools
expect: spaces, `reset(seed=...)`, terminated and truncated, rendering and a real `close`.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces
from gymnasium.error import ClosedEnvironmentError

from muscle_lab.core.compiled.choose import ChosenSimulation
from muscle_lab.core.engine_choice import EngineUnavailable, mode_runs_on_opensim, requested_engine
from muscle_lab.core.errors import SimulationFailed
from muscle_lab.core.frame import Frame
from muscle_lab.core.observation.layout import OBSERVATION_BOUND
from muscle_lab.core.observation.reader import ObservationReader
from muscle_lab.core.reward import FELL, TIME_LIMIT
from muscle_lab.core.simulation.engine import Simulation
from muscle_lab.core.simulation.integrator import DEFAULT_MODE, IntegratorSettings, settings_for
from muscle_lab.core.simulation.user_reward import RewardError, UserReward, load_reward
from muscle_lab.env.observation_dict import desc_observation, desc_space
from muscle_lab.env.perturbations import Push, PushPlan, StartNoise, horizontal_coordinates, push
from muscle_lab.env.rendering import EnvRenderer, available_render_modes, check_render_mode

NAN_ACTION = "NaN passed in the activation vector. Values in [0,1] interval are required."  # osim-rl's words
STEP_AFTER_END = "step() called after the episode ended (terminated or truncated): call reset() first"


class OsimEnv(gymnasium.Env[Any, np.ndarray]):
    """One excitation per muscle (in [0, 1], or [-1, 1] with `symmetric_actions`), 0.01 s a step.

    `visualize`: osim-rl's window; here `render_mode="human"` (see `rendering`). `integrator_accuracy`:
    the integrator's accuracy (default: the mode's own; osim-rl's 5e-5 is reference mode's).
    `mode`: "faithful" (default; osim-rl's trajectory within the fidelity bounds, faster),
    "reference" (osim-rl's own integrator settings) or "fast" (approximate muscles).
    `engine`: what runs faithful mode (core.engine_choice): "auto" (default, or MUSCLE_LAB_ENGINE:
    the compiled engine where the model qualifies, else OpenSim with one warning), "opensim" or
    "compiled" (EngineUnavailable where it cannot run); `self.engine` is the one running.
    `project=False`: observations are osim-rl's state description, as a gymnasium Dict of arrays.
    `reward_fn(state_desc, prev_state_desc) -> float`: your reward, a function or a file
    ("FILE.py[:NAME]", loaded as `run --reward` loads it); osim-rl's goes in `info["osim_rl_reward"]`.
    For robust policies (env.perturbations; all off by default, osim-rl's behaviour): `start_noise`
    and `start_speed_noise`, standard deviations of the noise on the start's angles (rad) and
    angular speeds (rad/s); `push_force` (N), `push_duration` (s) and `push_window` (first and last
    step it may start at): one horizontal push on the pelvis an episode. Both are drawn from
    `np_random`: `reset(seed=S)` repeats them.
    """

    metadata: dict[str, Any] = {"render_modes": available_render_modes(), "render_fps": 100}  # noqa: RUF012
    model_file = ""  # in osim-rl's models folder
    time_limit = 1000  # steps; osim-rl's done (here truncated) at this step
    unperturbed: tuple[str, ...] = ()  # coordinates (name prefixes) the start noise leaves alone

    def __init__(
        self,
        visualize: bool = False,
        integrator_accuracy: float | None = None,
        *,
        mode: str = DEFAULT_MODE,
        engine: str | None = None,
        model_path: str | Path | None = None,
        project: bool = True,
        symmetric_actions: bool = False,
        reward_fn: Any = None,
        render_mode: str | None = None,
        render_size: tuple[int, int] = (640, 480),
        start_noise: float = 0.0,
        start_speed_noise: float = 0.0,
        push_force: float = 0.0,
        push_duration: float = 0.1,
        push_window: tuple[int, int] = (50, 150),
    ) -> None:
        self.visualize = visualize
        self.render_mode = check_render_mode(render_mode, visualize)
        self.integrator_accuracy = integrator_accuracy
        self.mode = mode
        self.engine_requested = requested_engine(engine)
        self.engine = "opensim"  # the engine running, once the model is loaded
        self.project = project
        self.symmetric_actions = symmetric_actions
        self.reward_fn = reward_fn
        self._user_reward = _user_reward(reward_fn)
        if not (start_noise >= 0.0 and start_speed_noise >= 0.0):
            raise ValueError(
                f"start_noise and start_speed_noise are 0 or more, got {start_noise} and {start_speed_noise}"
            )
        self.start_noise = StartNoise(start_noise, start_speed_noise, self.unperturbed)
        self.push = Push(push_force, push_duration, tuple(push_window))  # type: ignore[arg-type]
        self.push_plan: PushPlan | None = None  # this episode's push (drawn at reset), None when off
        self._renderer = EnvRenderer(render_size) if self.render_mode is not None else None
        self._closed = False
        self._load_model(Path(model_path) if model_path is not None else self.default_model_path())

    # -- osim-rl's interface --------------------------------------------------------------
    def default_model_path(self) -> Path:
        from muscle_lab.core.paths import osim_rl_models_dir

        return osim_rl_models_dir() / self.model_file

    def integrator_settings(self) -> IntegratorSettings:
        settings = settings_for(self.mode)
        if self.integrator_accuracy is not None:
            settings = replace(settings, accuracy=float(self.integrator_accuracy))
        return settings

    def make_simulation(self, model_path: Path) -> Simulation | ChosenSimulation:
        """The simulation of `model_path` on the engine chosen; a subclass may add to the model
        (Arm2DEnv's target: then on OpenSim)."""
        settings = self.integrator_settings()
        return ChosenSimulation(model_path, settings, time_limit=False, engine=self.engine_requested)

    def load_model(self, model_path: str | Path | None = None) -> None:
        """osim-rl's `load_model`: another model file (its spaces may change)."""
        self._load_model(Path(model_path) if model_path is not None else self.default_model_path())

    def _load_model(self, model_path: Path) -> None:
        self.model_path = model_path
        self.simulation = self.make_simulation(model_path)
        self._note_engine()
        self.reader = ObservationReader(self.simulation.loaded)
        self._desc: tuple[Frame, dict[str, Any]] | None = None
        self._prev: tuple[Any, dict[str, Any] | None] | None = None  # the state before the step, its description
        self._ended = False
        muscles = len(self.simulation.muscles)
        low = -1.0 if self.symmetric_actions else 0.0
        self.action_space = spaces.Box(low, 1.0, (muscles,), np.float32)
        if self.project:
            size = len(self.get_observation())  # what it returns, whatever osim-rl declared
            # float64: the values span 1e-17 to 1e4, and osim-rl hands out Python floats.
            self.observation_space = spaces.Box(-OBSERVATION_BOUND, OBSERVATION_BOUND, (size,), np.float64)
        else:
            self.observation_space = desc_space(self.get_state_desc())
        if self._renderer is not None:
            self._renderer.load(self.simulation)
        self._pushed = horizontal_coordinates(self.simulation) if self.push.on else []

    @property
    def istep(self) -> int:
        """Steps since the reset (osim-rl's `istep`)."""
        return self.simulation.frame.step

    @property
    def muscle_names(self) -> tuple[str, ...]:
        """The action's order."""
        return self.simulation.muscle_names

    def get_observation(self) -> Any:
        raise NotImplementedError

    def get_observation_space_size(self) -> int:
        """The observation's length as this environment returns it (osim-rl declared its own)."""
        return int(np.prod(self.observation_space.shape)) if self.project else len(self.get_observation())

    def get_action_space_size(self) -> int:
        return len(self.simulation.muscles)

    def get_state_desc(self) -> dict[str, Any]:
        """osim-rl's state description of the current state; the same dict until the next step."""
        frame = self.simulation.frame
        if self._desc is None or self._desc[0] is not frame:
            self._desc = (frame, self.describe(self.reader.state_desc(self.simulation.state)))
        return self._desc[1]

    def get_prev_state_desc(self) -> dict[str, Any] | None:
        """The state description before the last step (None before the first step of an episode)."""
        if self._prev is None:
            return None
        state, desc = self._prev
        if desc is None:
            desc = self.describe(self.reader.state_desc(self.previous_state), previous=True)
            self._prev = (state, desc)
        return desc

    @property
    def previous_state(self) -> Any:
        """The OpenSim state before the last step (None before the first step of an episode)."""
        if self._prev is None:
            return None
        kept, desc = self._prev
        if callable(kept):  # the engine's snapshot, made a state at the first ask
            kept = kept()
            self._prev = (kept, desc)
        return kept

    def describe(self, desc: dict[str, Any], previous: bool = False) -> dict[str, Any]:
        """What a subclass adds to the state description (round 2's `target_vel`)."""
        return desc

    def reward(self) -> float:
        raise NotImplementedError

    def is_done(self) -> bool:
        return False

    # -- gymnasium ----------------------------------------------------------------------
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None, project: bool | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Back to the start. osim-rl's `project=False` (here a keyword) returns its plain dict."""
        self._check_open()
        super().reset(seed=seed)
        self.before_reset(seed, options or {})
        frame = self.reset_simulation()
        self.push_plan = self.push.plan(self.np_random, len(self._pushed)) if self.push.on else None
        self._prev = None
        self._ended = False
        if self._renderer is not None:
            self._renderer.show(self.simulation, self.render_mode)
        return self._observe(project), self._info(frame)

    def before_reset(self, seed: int | None, options: dict[str, Any]) -> None:
        """What a subclass draws at each reset (round 2's targets, the arm's target)."""

    def reset_simulation(self) -> Frame:
        """The start state, the integrator started with every control at 1.0.

        osim-rl starts its integrator at reset with the controls of that moment, which the
        first step feels: all 1.0 in a new environment, the previous episode's last action after.
        Here every reset holds 1.0, as a new osim-rl environment does, so that an episode
        depends on its own actions only.
        """
        noise = self.start_noise.adjust(self.np_random) if self.start_noise.on else None
        return self.simulation.reset(held_controls=np.ones(len(self.simulation.muscles)), adjust_start=noise)

    def step(self, action: Any, project: bool | None = None) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """Apply the action for 0.01 s: osim-rl's clipping to [0, 1], NaN refused."""
        self._check_open()
        if self._ended:
            gymnasium.logger.warn(STEP_AFTER_END)
        excitations = self.excitations(action)
        if self.push_plan is not None and self.push_plan.applies_to(self.istep + 1):
            push(self.simulation, self.push_plan, self._pushed)  # into the state this step starts from
        desc = self._desc[1] if self._desc is not None and self._desc[0] is self.simulation.frame else None
        # The state before the step, made an OpenSim state only if a reward asks for it.
        previous = (self.simulation.state_snapshot(), desc)
        self.simulation.set_excitations(excitations)
        frame = self.simulation.step()
        if frame.error is not None:
            raise SimulationFailed(f"{frame.error}; reset the environment")
        self._prev = previous
        reward = osim_rl_reward = float(self.reward())
        if self.reward_fn is not None:
            reward = self.custom_reward()
        terminated = bool(self.is_done())
        truncated = not terminated and frame.step >= self.time_limit
        self._ended = terminated or truncated
        info = self._info(frame, FELL if terminated else TIME_LIMIT if truncated else None)
        if self.reward_fn is not None:
            info["osim_rl_reward"] = osim_rl_reward
        if self._renderer is not None:
            self._renderer.show(self.simulation, self.render_mode)
        return self._observe(project), reward, terminated, truncated, info

    def custom_reward(self) -> float:
        """`reward_fn(state_desc, prev_state_desc)`; RewardError names the function and the step."""
        assert self._user_reward is not None
        return self._user_reward(self.get_state_desc(), self.get_prev_state_desc(), self.istep)

    def excitations(self, action: Any) -> np.ndarray:
        values = np.asarray(action, dtype=float).reshape(-1)
        if self.symmetric_actions:
            values = (values + 1.0) / 2.0
        return clip_action(values, len(self.simulation.muscles))

    def render(self) -> np.ndarray | None:  # type: ignore[override]
        """The current frame as an RGB array (`render_mode="rgb_array"`); None otherwise."""
        self._check_open()
        if self._renderer is None:
            return None
        return self._renderer.frame(self.simulation) if self.render_mode == "rgb_array" else None

    def close(self) -> None:
        """Release the model and the renderer; any later reset or step raises."""
        if self._closed:
            return
        self._closed = True
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
        del self.simulation, self.reader
        self._desc = self._prev = None

    # -- internals ----------------------------------------------------------------------
    def _note_engine(self) -> None:
        """The engine running; the fallback's message said once (a warning), or engine="compiled"
        refused where OpenSim runs."""
        self.engine = getattr(self.simulation, "engine", "opensim")
        if self.engine_requested == "compiled" and self.engine != "compiled":
            why = (
                f"{self.mode} mode runs on OpenSim"
                if mode_runs_on_opensim(self.integrator_settings())
                else f"{type(self).__name__} builds its own model and runs on OpenSim"
            )
            raise EngineUnavailable(f"engine='compiled' cannot be had: {why}")
        note = getattr(self.simulation, "engine_note", None)
        if note:
            warnings.warn(note, EngineFallbackWarning, stacklevel=4)

    def _check_open(self) -> None:
        if self._closed:
            raise ClosedEnvironmentError(f"{type(self).__name__} is closed: make a new one")

    def _observe(self, project: bool | None) -> Any:
        if project is False:
            return self.get_state_desc()  # osim-rl's own dict of lists
        if self.project:
            return np.asarray(self.get_observation(), dtype=float)
        return desc_observation(self.get_state_desc())

    def _info(self, frame: Frame, end_reason: str | None = None) -> dict[str, Any]:
        return {"step": frame.step, "time": frame.time, "end_reason": end_reason}


class EngineFallbackWarning(UserWarning):
    """engine="auto" runs faithful mode on OpenSim: the message names why."""


def _user_reward(reward_fn: Any) -> UserReward | None:
    """A function as it is; a file ("FILE.py[:NAME]" or a Path) loaded as `run --reward` loads it."""
    if reward_fn is None:
        return None
    if isinstance(reward_fn, str | Path):
        return load_reward(str(reward_fn))
    if not callable(reward_fn):
        raise RewardError(
            f"reward_fn={reward_fn!r}: a function f(state_desc, prev_state_desc) or a file FILE.py[:NAME]"
        )
    return UserReward.of(reward_fn)


def clip_action(action: Any, size: int) -> np.ndarray:
    """osim-rl's `actuate`: NaN refused, everything else clipped to [0, 1] (infinity too)."""
    values = np.asarray(action, dtype=float).reshape(-1)
    if values.size != size:
        raise ValueError(f"expected {size} actions (one per muscle), got {values.size}")
    if np.isnan(values).any():
        raise ValueError(NAN_ACTION)
    return np.clip(values, 0.0, 1.0)
