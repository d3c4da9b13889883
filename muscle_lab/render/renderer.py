"""An offscreen OpenGL renderer of a model's pose: bones, muscles and ground, into an image.

A standalone moderngl context (EGL on Linux: Mesa's llvmpipe when there is no GPU) draws into
its own framebuffer, so it works without a display: under `QT_QPA_PLATFORM=offscreen`, Xvfb,
or in the CLI. Bone meshes are uploaded once per model; per frame only the frames'
transforms (uniforms) and the muscle tubes (instance rows) change. A second colour target
holds the muscle id of each pixel, for picking. A second pose (a compared episode) can be drawn
as a translucent ghost over the first; it never takes part in picking.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from muscle_lab.core.simulation.pose import BodyPose, SceneDescription
from muscle_lab.render import shaders
from muscle_lab.render.geometry import bone_points, box_corners, unit_cylinder, unit_sphere
from muscle_lab.render.gil_free import gil_free_finish
from muscle_lab.render.meshes import MeshFormatError, is_closed_outward, load_mesh, simplify
from muscle_lab.render.scene import (
    GHOST_MUSCLE_OPACITY,
    GHOST_OPACITY,
    GHOST_RGB,
    PLAIN,
    Camera,
    MuscleStyle,
    ghost_muscle_segments,
    muscle_midpoint,
    muscle_tubes,
    pelvis_position,
)
from muscle_lab.render.shaders import decode_id_array, decode_ids, set_uniform

BACKGROUND = (0.17, 0.19, 0.23)
GROUND_COLOUR = (0.33, 0.34, 0.35)
GRID_COLOUR = (0.62, 0.63, 0.64)
BONE_TINT = np.array([0.95, 0.92, 0.85])  # the model's bone colour (white by default), warmed a little
OUTLINE_COLOUR = (0.05, 0.05, 0.07, 1.0)
HIGHLIGHT_OUTLINE = (1.0, 0.86, 0.2)
OUTLINE_WIDTH = 0.0025  # metres added to the tube radius for the dark shell around each muscle
GHOST_COLOUR = (*(c / 255.0 for c in GHOST_RGB), GHOST_OPACITY)
MIN_INSTANCES = 256  # rows the tube buffers start with; they grow when a model needs more
# Bone meshes are simplified by merging vertices within this many metres: software GL is bound
# by triangle count, and at 6 mm the bones look the same in the window (29.6k triangles at 4 mm,
# 23.2k at 6 mm: 16.4 against 13.9 ms of CPU per render with a ghost). Video uses the full meshes (0).
LIVE_MESH_CELL = 0.006
# The ghost is faint and translucent: 12 mm cells (a third of the triangles) look the same there
# and make its extra cost ~2.5 ms instead of ~4 ms per software render at 800x600. (At 20 mm
# its outline strays beyond the bones' by several pixels.)
GHOST_MESH_CELL = 0.012
GHOST_DEPTH_PUSH = 0.01  # metres: the ghost's coarser bones hide behind the body where they coincide

UPSIDE_DOWN = np.diag([1.0, -1.0, 1.0, 1.0])

INSTALL_HINT = "on Debian/Ubuntu: apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri"


class RenderUnavailable(RuntimeError):
    """No OpenGL context could be made (no moderngl, no EGL/Mesa libraries, no GL 3.3)."""


def create_context():
    """A standalone OpenGL 3.3 context; EGL on Linux, so it needs no display."""
    try:
        import moderngl
    except ImportError as error:
        raise RenderUnavailable(f"the 3D view needs moderngl: pip install moderngl ({error})") from None
    backend = {"backend": "egl"} if sys.platform.startswith("linux") else {}
    try:
        return moderngl.create_standalone_context(require=330, **backend)
    except Exception as error:  # noqa: BLE001  glcontext raises plain Exceptions naming the missing library
        raise RenderUnavailable(f"no OpenGL context could be made ({error}); {INSTALL_HINT}") from None


@dataclass
class _MeshDraw:
    vertex_array: object
    frame_index: int
    scale: np.ndarray  # the mesh's scale factors, 0 read as 1 (a flat mesh keeps its normals)
    colour: tuple[float, float, float, float]
    corners: np.ndarray  # the mesh's bounding box (8 x 3), scaled, in its frame
    cull: str | None  # the faces never seen ("back", "front" if mirrored), None: draw both


class Renderer:
    """Draws `BodyPose`s of one `SceneDescription` into RGBA images of `size` (width, height)."""

    def __init__(
        self, size: tuple[int, int] = (800, 600), mesh_cell: float = LIVE_MESH_CELL, gil_free: bool = True
    ) -> None:
        """`gil_free`: wait for the drawing through ctypes where possible, so that other Python
        threads run meanwhile (False: moderngl's `finish`, which holds the GIL)."""
        self._mesh_cell = mesh_cell
        self._ctx = create_context()
        with self._ctx:
            ctx = self._ctx
            self._mesh_program = ctx.program(vertex_shader=shaders.MESH_VERTEX, fragment_shader=shaders.MESH_FRAGMENT)
            self._tube_program = ctx.program(vertex_shader=shaders.TUBE_VERTEX, fragment_shader=shaders.MUSCLE_FRAGMENT)
            self._sphere_program = ctx.program(
                vertex_shader=shaders.SPHERE_VERTEX, fragment_shader=shaders.MUSCLE_FRAGMENT
            )
            self._ground_program = ctx.program(
                vertex_shader=shaders.GROUND_VERTEX, fragment_shader=shaders.GROUND_FRAGMENT
            )
            corners = np.array([[-1, -1], [1, -1], [-1, 1], [1, 1]], dtype=np.float32)
            self._ground_buffer = ctx.buffer(corners.tobytes())
            self._ground = ctx.vertex_array(self._ground_program, [(self._ground_buffer, "2f", "in_corner")])
            self.renderer_name = ctx.info.get("GL_RENDERER", "?")  # asked while current: "" otherwise
            # Blending mixes colours only: the image stays opaque (alpha 1 from the clear).
            ctx.blend_func = (ctx.SRC_ALPHA, ctx.ONE_MINUS_SRC_ALPHA, ctx.ZERO, ctx.ONE)
            self._shapes = {
                name: self._static_shape(shape)
                for name, shape in (("tube", unit_cylinder()), ("sphere", unit_sphere(rings=4, segments=8)))
            }
        self._instances: dict[str, tuple] = {}
        # By file path and cell: vertex buffer, index buffer, bounding box, whether closed and wound outward.
        self._mesh_buffers: dict[tuple[str, float], tuple] = {}
        self._meshes: list[_MeshDraw] = []
        self._ghost_meshes: list[_MeshDraw] | None = None  # made when a ghost is first drawn
        self._unreadable: list[str] = []
        self._scene: SceneDescription | None = None
        # Colour and muscle ids (for picking), drawn only when ids are asked for; the colour
        # alone for every image: the second attachment costs a third of a software render.
        self._framebuffer = None
        self._colour_framebuffer = None
        self._target = None  # the framebuffer being drawn into
        self._size = (0, 0)
        self.resize(size)
        self._last: tuple[BodyPose, Camera] | None = None
        self._last_style: MuscleStyle = PLAIN
        self._ids_drawn = False  # the id image belongs to the last image
        self.last_render_ms = 0.0
        # Waiting for the rasteriser lets go of the GIL: a renderer in a thread leaves the GUI free.
        self._finish, self._gil_free = gil_free_finish(self._ctx, gil_free)

    # -- model and size ----------------------------------------------------------------------
    @property
    def size(self) -> tuple[int, int]:
        return self._size

    def resize(self, size: tuple[int, int]) -> None:
        size = (max(1, int(size[0])), max(1, int(size[1])))
        if size == self._size:
            return
        with self._ctx:
            for framebuffer in (self._framebuffer, self._colour_framebuffer):
                if framebuffer is not None:
                    for attachment in (*framebuffer.color_attachments, framebuffer.depth_attachment):
                        attachment.release()
                    framebuffer.release()
            self._framebuffer = self._ctx.framebuffer(
                color_attachments=[self._ctx.renderbuffer(size, 4), self._ctx.renderbuffer(size, 4)],
                depth_attachment=self._ctx.depth_renderbuffer(size),
            )
            self._colour_framebuffer = self._ctx.framebuffer(
                color_attachments=[self._ctx.renderbuffer(size, 4)],
                depth_attachment=self._ctx.depth_renderbuffer(size),
            )
        self._size = size
        self._ids_drawn = False

    def set_scene(
        self,
        scene: SceneDescription,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> None:
        """Upload the bone meshes of a model (each file read and uploaded once). `progress(done,
        total)` follows the files read; once `cancelled()` answers True the rest are skipped
        (listed as not loaded): large meshes can take a minute to read."""
        with self._ctx:
            for mesh in (*self._meshes, *(self._ghost_meshes or ())):  # the buffers stay: cached by file
                mesh.vertex_array.release()
            self._meshes, self._unreadable = self._mesh_draws(scene, self._mesh_cell, progress, cancelled)
            self._ghost_meshes = None
        self._scene = scene
        self._last = None

    def _mesh_draws(
        self,
        scene: SceneDescription,
        cell: float,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> tuple[list[_MeshDraw], list[str]]:
        """The scene's visible meshes, read at `cell` (inside the context), and the files not drawn."""
        draws, unreadable = [], []
        shown = [mesh for mesh in scene.meshes if mesh.path is not None and mesh.visible]
        for done, mesh in enumerate(shown):
            if progress is not None:
                progress(done, len(shown))
            if cancelled is not None and cancelled():
                unreadable += [f"{skipped.mesh_file} (not loaded: cancelled)" for skipped in shown[done:]]
                break
            assert mesh.path is not None
            try:
                buffers = self._mesh_buffer(mesh.path, cell)
            except (MeshFormatError, OSError) as error:
                unreadable.append(f"{mesh.mesh_file} ({error})")
                continue
            if buffers is None:
                continue  # no triangles (lines or points only): nothing a surface shader can draw
            vertex_array = self._ctx.vertex_array(
                self._mesh_program,
                [(buffers[0], "3f 3f", "in_position", "in_normal")],
                buffers[1],
                index_element_size=4,
            )
            colour = (*(np.array(mesh.colour) * BONE_TINT), mesh.opacity)
            scale = np.array(mesh.scale, dtype=float)
            corners = box_corners(buffers[2]) * scale
            cull = ("back" if np.prod(np.sign(scale)) >= 0 else "front") if buffers[3] else None
            draws.append(
                _MeshDraw(vertex_array, mesh.frame_index, np.where(scale == 0, 1.0, scale), colour, corners, cull)
            )
        return draws, unreadable

    @property
    def scene(self) -> SceneDescription | None:
        return self._scene

    @property
    def gil_free(self) -> bool:
        """Whether waiting for the drawing lets other Python threads run (a ctypes call)."""
        return self._gil_free

    @property
    def missing_meshes(self) -> tuple[str, ...]:
        """Mesh files not drawn: not found, or found but unreadable (with the reason)."""
        scene_missing = self._scene.missing_meshes if self._scene is not None else ()
        return (*scene_missing, *self._unreadable)

    # -- drawing -----------------------------------------------------------------------------
    def render(
        self, pose: BodyPose, camera: Camera, style: MuscleStyle = PLAIN, ghost: BodyPose | None = None
    ) -> np.ndarray:
        """The pose seen by `camera`: an RGBA image (height x width x 4, uint8, top row first).

        `ghost`, another pose of the same model, is drawn translucent over it; the camera still
        follows `pose`, and picking sees `pose` alone."""
        if self._scene is None:
            raise RuntimeError("set_scene() before render()")
        started = time.perf_counter()
        width, height = self._size
        pixels = np.empty((height, width, 4), dtype=np.uint8)  # new memory: the caller may keep each image
        with self._ctx:
            self._draw(self._colour_framebuffer, pose, camera, style)
            if ghost is not None:
                self._draw_ghost(ghost)
            self._finish()  # the rasterising happens here; the read below only copies
            self._colour_framebuffer.read_into(pixels, components=4, attachment=0)
        self._last, self._last_style, self._ids_drawn = (pose, camera), style, False
        self.last_render_ms = (time.perf_counter() - started) * 1000
        return pixels

    def _draw(self, framebuffer, pose: BodyPose, camera: Camera, style: MuscleStyle) -> None:
        """Draw the scene into `framebuffer` (inside the context)."""
        pelvis = pelvis_position(pose, self._scene)
        # Drawn upside down, so that GL's bottom-up rows read back top row first: no flipping copy.
        view_projection = (UPSIDE_DOWN @ camera.view_projection(self._size, pelvis)).astype(np.float32)
        eye = camera.eye(pelvis)
        self._target = framebuffer
        ctx = self._ctx
        framebuffer.use()
        framebuffer.clear(*BACKGROUND, 1.0, depth=1.0)
        ctx.front_face = "cw"  # the flip mirrors the winding
        for program in (self._mesh_program, self._tube_program, self._sphere_program, self._ground_program):
            set_uniform(program, "u_view_projection", view_projection.T.tobytes())
            set_uniform(program, "u_eye", tuple(eye))
        self._draw_ground(camera.look_at(pelvis), camera.distance)
        self._draw_bones(pose)
        self._draw_muscles(pose, style)

    def _draw_ids(self) -> None:
        """The muscle ids of the last image, drawn on demand (a pick, a hover, a test)."""
        if self._last is not None and not self._ids_drawn:
            with self._ctx:
                self._draw(self._framebuffer, *self._last, self._last_style)
                self._finish()
            self._ids_drawn = True

    def _draw_ground(self, look_at: np.ndarray, distance: float) -> None:
        ctx, program = self._ctx, self._ground_program
        half_size = max(8.0, 6.0 * distance)
        set_uniform(program, "u_centre", (float(look_at[0]), float(look_at[2])))
        set_uniform(program, "u_half_size", half_size)
        set_uniform(program, "u_ground_colour", GROUND_COLOUR)
        set_uniform(program, "u_line_colour", GRID_COLOUR)
        set_uniform(program, "u_background", BACKGROUND)
        ctx.disable(ctx.CULL_FACE)
        # A backdrop: it writes no depth, so a body below y = 0 stays visible (a model that
        # starts inside the ground, or a pelvis sinking after a fall: only feet collide). Drawn
        # first, it is not depth-tested either: that would read the depth of most of the image.
        ctx.disable(ctx.DEPTH_TEST)
        self._ground.render(mode=ctx.TRIANGLE_STRIP)
        ctx.enable(ctx.DEPTH_TEST)

    def _draw_bones(self, pose: BodyPose) -> None:
        ctx, program = self._ctx, self._mesh_program
        set_uniform(program, "u_id", 0.0)
        set_uniform(program, "u_depth_push", 0.0)
        translucent = []
        for mesh in self._meshes:
            if mesh.frame_index >= len(pose.frame_rotations):
                continue  # a pose without mesh transforms (an older reader): bones cannot be placed
            if mesh.colour[3] < 1.0:
                translucent.append(mesh)
                continue
            self._draw_mesh(mesh, pose, mesh.colour, mesh.cull)
        ctx.disable(ctx.CULL_FACE)
        if translucent:
            ctx.enable(ctx.BLEND)
            self._target.depth_mask = False
            for mesh in translucent:
                self._draw_mesh(mesh, pose, mesh.colour, None)  # the inside shows through
            self._target.depth_mask = True
            ctx.disable(ctx.BLEND)

    def _draw_mesh(self, mesh: _MeshDraw, pose: BodyPose, colour: tuple, cull: str | None) -> None:
        program, ctx = self._mesh_program, self._ctx
        if cull is None:
            ctx.disable(ctx.CULL_FACE)
        else:  # closed and wound outward: its back faces are hidden anyway, skip them
            ctx.enable(ctx.CULL_FACE)
            ctx.cull_face = cull
        rotation = pose.frame_rotations[mesh.frame_index]
        scale = mesh.scale
        set_uniform(program, "u_linear", (rotation * scale).T.astype(np.float32).tobytes())
        set_uniform(program, "u_normal_linear", (rotation / scale).T.astype(np.float32).tobytes())
        set_uniform(program, "u_translation", pose.frame_translations[mesh.frame_index].astype(np.float32).tobytes())
        set_uniform(program, "u_colour", np.asarray(colour, dtype=np.float32).tobytes())
        mesh.vertex_array.render()

    def _draw_muscles(self, pose: BodyPose, style: MuscleStyle) -> None:
        ctx = self._ctx
        tubes = muscle_tubes(pose, self._scene, style)
        highlight_id = float(style.highlighted[0] + 1) if style.highlighted else -1.0
        arrays = {"tube": tubes.segments, "sphere": tubes.joints}
        for name, rows in arrays.items():
            self._upload_instances(name, rows)
        ctx.enable(ctx.CULL_FACE)
        # First a slightly larger dark shell seen from inside (front faces culled): an outline.
        for cull, grow, outline in (("front", OUTLINE_WIDTH, OUTLINE_COLOUR), ("back", 0.0, (0.0, 0.0, 0.0, 0.0))):
            ctx.cull_face = cull
            for name, program in (("tube", self._tube_program), ("sphere", self._sphere_program)):
                count = len(arrays[name])
                if count == 0:
                    continue
                set_uniform(program, "u_grow", grow)
                set_uniform(program, "u_outline", outline)
                set_uniform(program, "u_highlight_id", highlight_id)
                set_uniform(program, "u_highlight_colour", HIGHLIGHT_OUTLINE)
                set_uniform(program, "u_opacity", 1.0)
                self._instances[name][1].render(instances=count)
        ctx.disable(ctx.CULL_FACE)

    def _draw_ghost(self, ghost: BodyPose) -> None:
        """Another pose over the drawn one, blended: thin grey muscles, then tinted bones.

        Drawn after the opaque body and depth-tested against it, so the body shows through the
        ghost in front and hides the ghost behind. Only the front faces, so each surface is one
        layer. The ghost's muscles write depth, so that its bones behind them stay hidden; its
        bones (coarser meshes, pushed 1 cm back for the depth test) write none, so that the
        muscles and bones behind them still show."""
        ctx = self._ctx
        ctx.enable(ctx.BLEND)
        ctx.enable(ctx.CULL_FACE)
        segments = ghost_muscle_segments(ghost)
        if len(segments):
            self._upload_instances("tube", segments)  # the live rows were drawn already
            program = self._tube_program
            ctx.cull_face = "back"
            set_uniform(program, "u_grow", 0.0)
            set_uniform(program, "u_outline", (0.0, 0.0, 0.0, 0.0))
            set_uniform(program, "u_highlight_id", -1.0)
            set_uniform(program, "u_opacity", GHOST_MUSCLE_OPACITY)
            self._instances["tube"][1].render(instances=len(segments))
        self._target.depth_mask = False
        set_uniform(self._mesh_program, "u_id", 0.0)
        set_uniform(self._mesh_program, "u_depth_push", GHOST_DEPTH_PUSH)
        if self._ghost_meshes is None:
            self._ghost_meshes = self._mesh_draws(self._scene, GHOST_MESH_CELL)[0]
        for mesh in self._ghost_meshes:
            if mesh.frame_index < len(ghost.frame_rotations):
                self._draw_mesh(mesh, ghost, GHOST_COLOUR, mesh.cull)
        self._target.depth_mask = True
        ctx.disable(ctx.CULL_FACE)
        ctx.disable(ctx.BLEND)

    @property
    def bone_boxes(self) -> tuple[tuple[int, np.ndarray], ...]:
        """Per drawn bone: its frame's index and its bounding box's corners in that frame."""
        return tuple((mesh.frame_index, mesh.corners) for mesh in self._meshes)

    def bone_points(self, pose: BodyPose) -> np.ndarray:
        """The corners of every drawn bone's bounding box in ground (for fitting a camera)."""
        return bone_points(self.bone_boxes, pose)

    # -- picking and projection --------------------------------------------------------------
    def pick(self, x: float, y: float) -> int | None:
        """The index of the muscle drawn at pixel (x, y) of the last image (top-left origin)."""
        width, height = self._size
        column, row = int(x), int(y)
        if self._last is None or not (0 <= column < width and 0 <= row < height):
            return None
        self._draw_ids()
        with self._ctx:
            raw = self._framebuffer.read(viewport=(column, row, 1, 1), components=4, attachment=1)
        return decode_ids(np.frombuffer(raw, dtype=np.uint8).reshape(1, 4))[0]

    def id_image(self) -> np.ndarray:
        """Per pixel of the last image, the muscle index drawn there, -1 where none."""
        width, height = self._size
        self._draw_ids()
        with self._ctx:
            raw = self._framebuffer.read(components=4, attachment=1)
        rgba = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 4)
        return decode_id_array(rgba).reshape(height, width)

    def project(self, points: np.ndarray) -> np.ndarray:
        """Ground points to pixels of the last image (x right, y down)."""
        if self._last is None:
            raise RuntimeError("nothing rendered yet")
        pose, camera = self._last
        return camera.project(points, self._size, pelvis_position(pose, self._scene))

    def label_anchor(self, muscle: int) -> tuple[float, float] | None:
        """Where muscle `muscle`'s label goes in the last image: its path's midpoint."""
        if self._last is None or not 0 <= muscle < len(self._last[0].muscle_paths):
            return None
        path = self._last[0].muscle_paths[muscle]
        if len(path) == 0:
            return None
        x, y = self.project(muscle_midpoint(path)[None, :])[0]
        return float(x), float(y)

    def release(self) -> None:
        """Free the GL context and everything in it."""
        if self._ctx is not None:
            self._ctx.release()
            self._ctx = None

    # -- internals ---------------------------------------------------------------------------
    def _static_shape(self, shape: tuple[np.ndarray, np.ndarray]) -> tuple:
        vertices, triangles = shape
        return self._ctx.buffer(vertices.tobytes()), self._ctx.buffer(triangles.tobytes())

    def _mesh_buffer(self, path: str, cell: float) -> tuple | None:
        """The uploaded mesh of this file at this cell, None if it has no triangles."""
        if (path, cell) not in self._mesh_buffers:
            mesh = load_mesh(path, self._mesh_cell)  # read once (cached); parsing is the slow part
            if cell != self._mesh_cell:
                mesh = simplify(mesh, cell)
            if len(mesh.triangles) == 0:
                self._mesh_buffers[path, cell] = None  # GL buffers cannot be empty
                return None
            vertices = np.column_stack([mesh.positions, mesh.normals]).astype(np.float32)
            bounds = np.array([mesh.positions.min(axis=0), mesh.positions.max(axis=0)])
            self._mesh_buffers[path, cell] = (
                self._ctx.buffer(vertices.tobytes()),
                self._ctx.buffer(mesh.triangles.tobytes()),
                bounds,
                is_closed_outward(mesh),
            )
        return self._mesh_buffers[path, cell]

    def _upload_instances(self, name: str, rows: np.ndarray) -> None:
        """Write this frame's instance rows, growing the buffer (and its vertex array) if needed."""
        capacity = self._instances[name][2] if name in self._instances else 0
        if len(rows) > capacity:
            if name in self._instances:
                self._instances[name][1].release()
                self._instances[name][0].release()
            capacity = max(MIN_INSTANCES, 2 * len(rows))
            buffer = self._ctx.buffer(reserve=capacity * rows.shape[1] * 4, dynamic=True)
            vertices, triangles = self._shapes[name]
            program = self._tube_program if name == "tube" else self._sphere_program
            layout = ("3f 3f 1f 3f 1f/i", "i_start", "i_end") if name == "tube" else ("3f 1f 3f 1f/i", "i_centre")
            vertex_array = self._ctx.vertex_array(
                program,
                [
                    (vertices, "3f 3f", "in_position", "in_normal"),
                    (buffer, layout[0], *layout[1:], "i_radius", "i_colour", "i_id"),
                ],
                triangles,
                index_element_size=4,
            )
            self._instances[name] = (buffer, vertex_array, capacity)
        if len(rows):
            self._instances[name][0].write(np.ascontiguousarray(rows, dtype=np.float32).tobytes())
