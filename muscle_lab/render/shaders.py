"""GLSL for the renderer: bones, muscle tubes and spheres, and the ground grid.

Every fragment shader writes two targets: the colour, and the id of what is drawn there
(muscle index + 1 in red and green, 1.0 in blue to mark a written id), which picking reads.
"""

from __future__ import annotations

from typing import Any

import numpy as np

HEADER = "#version 330\n"

# Lambert from a headlight (the camera) and a key light from above, plus ambient, lit from
# both sides: a few meshes have their triangles wound the wrong way round.
LIGHTING = """
uniform vec3 u_eye;
uniform float u_id;
layout(location = 0) out vec4 f_colour;
layout(location = 1) out vec4 f_id;

vec3 shade(vec3 base, vec3 normal, vec3 world) {
    vec3 to_eye = normalize(u_eye - world);
    float len = length(normal);
    vec3 n = len > 1e-6 ? normal / len : to_eye;
    if (dot(n, to_eye) < 0.0) n = -n;
    float head = max(dot(n, to_eye), 0.0);
    float key = max(dot(n, normalize(vec3(0.3, 1.0, 0.45))), 0.0);
    return base * (0.30 + 0.55 * head + 0.25 * key);
}

void write_id(float id) {
    f_id = vec4(mod(id, 256.0) / 255.0, floor(id / 256.0) / 255.0, 1.0, 1.0);
}
"""

MESH_VERTEX = (
    HEADER
    + """
uniform mat4 u_view_projection;
uniform mat3 u_linear;         // frame rotation times the mesh's scale factors
uniform mat3 u_normal_linear;  // rotation times the inverse scale: normals stay normal
uniform vec3 u_translation;
uniform vec3 u_eye;
// Metres the surface is moved away from the eye for the depth test only (the pixel it lands on
// stays): a ghost in the same place as the body, from coarser meshes, stays behind it.
uniform float u_depth_push;
in vec3 in_position;
in vec3 in_normal;
out vec3 v_world;
out vec3 v_normal;
void main() {
    v_world = u_linear * in_position + u_translation;
    v_normal = u_normal_linear * in_normal;
    gl_Position = u_view_projection * vec4(v_world + u_depth_push * normalize(v_world - u_eye), 1.0);
}
"""
)

MESH_FRAGMENT = (
    HEADER
    + LIGHTING
    + """
uniform vec4 u_colour;
in vec3 v_world;
in vec3 v_normal;
void main() {
    f_colour = vec4(shade(u_colour.rgb, v_normal, v_world), u_colour.a);
    write_id(u_id);
}
"""
)

# A unit cylinder (x, y on the unit circle, z from 0 to 1) stretched between two points.
TUBE_VERTEX = (
    HEADER
    + """
uniform mat4 u_view_projection;
uniform float u_grow;  // added to each radius: the outline pass draws a larger shell
in vec3 in_position;
in vec3 in_normal;
in vec3 i_start;
in vec3 i_end;
in float i_radius;
in vec3 i_colour;
in float i_id;
out vec3 v_world;
out vec3 v_normal;
out vec3 v_colour;
flat out float v_id;
void main() {
    vec3 axis = i_end - i_start;
    float len = length(axis);
    vec3 w = len > 1e-9 ? axis / len : vec3(0.0, 1.0, 0.0);
    vec3 helper = abs(w.y) < 0.9 ? vec3(0.0, 1.0, 0.0) : vec3(1.0, 0.0, 0.0);
    vec3 u = normalize(cross(helper, w));
    vec3 v = cross(w, u);
    float radius = i_radius + u_grow;
    v_world = i_start + axis * in_position.z + (u * in_position.x + v * in_position.y) * radius;
    v_normal = u * in_normal.x + v * in_normal.y;
    v_colour = i_colour;
    v_id = i_id;
    gl_Position = u_view_projection * vec4(v_world, 1.0);
}
"""
)

SPHERE_VERTEX = (
    HEADER
    + """
uniform mat4 u_view_projection;
uniform float u_grow;
in vec3 in_position;
in vec3 in_normal;
in vec3 i_centre;
in float i_radius;
in vec3 i_colour;
in float i_id;
out vec3 v_world;
out vec3 v_normal;
out vec3 v_colour;
flat out float v_id;
void main() {
    v_world = i_centre + in_position * (i_radius + u_grow);
    v_normal = in_normal;
    v_colour = i_colour;
    v_id = i_id;
    gl_Position = u_view_projection * vec4(v_world, 1.0);
}
"""
)

# The muscle pass shades; the outline pass (u_outline > 0) paints the shell flat. The ghost's
# muscles are shaded with u_opacity < 1 (blended).
MUSCLE_FRAGMENT = (
    HEADER
    + LIGHTING
    + """
uniform vec4 u_outline;  // rgb, and a > 0 to draw flat in this colour
uniform float u_highlight_id;
uniform vec3 u_highlight_colour;
uniform float u_opacity;
in vec3 v_world;
in vec3 v_normal;
in vec3 v_colour;
flat in float v_id;
void main() {
    if (u_outline.a > 0.0) {
        f_colour = vec4(v_id == u_highlight_id ? u_highlight_colour : u_outline.rgb, 1.0);
    } else {
        f_colour = vec4(shade(v_colour, v_normal, v_world), u_opacity);
    }
    write_id(v_id);
}
"""
)

# The ground: a square of `u_half_size` around `u_centre`. Positions go to the fragments in
# metres, and as fractions of the half size (for the fade); both are linear over the plane.
GROUND_VERTEX = (
    HEADER
    + """
uniform mat4 u_view_projection;
uniform vec2 u_centre;
uniform float u_half_size;
in vec2 in_corner;
out vec2 v_position;
out vec2 v_offset;
void main() {
    v_offset = in_corner;
    v_position = u_centre + in_corner * u_half_size;
    gl_Position = u_view_projection * vec4(v_position.x, 0.0, v_position.y, 1.0);
}
"""
)

# Grid lines fixed in the world (every 0.25 m, stronger every metre), so that they slide under
# a body walking forward; the plane fades out towards its edge. Every ground pixel runs this
# (most of the image), in software GL: so one fwidth serves both grids (a line's distance in
# metres times pixels per metre is its distance in pixels). fwidth is never 0 on a plane seen
# at any angle (edge on, it has no pixels), so it needs no guard.
GROUND_FRAGMENT = (
    HEADER
    + LIGHTING
    + """
uniform vec3 u_ground_colour;
uniform vec3 u_line_colour;
uniform vec3 u_background;
in vec2 v_position;
in vec2 v_offset;

void main() {
    vec2 per_metre = 1.0 / fwidth(v_position);  // pixels per metre along x and z
    // Pixels to the nearest line; a line is drawn fading out over 1 pixel (minor), 1.6 (major).
    vec2 minor = abs(fract(v_position * 4.0 - 0.5) - 0.5) * (0.25 * per_metre);
    vec2 major = abs(fract(v_position - 0.5) - 0.5) * (per_metre / 1.6);
    float line = max(0.45 - 0.45 * min(min(minor.x, minor.y), 1.0), 1.0 - min(min(major.x, major.y), 1.0));
    vec3 colour = mix(u_ground_colour, u_line_colour, line);
    float fade = smoothstep(0.55, 1.0, length(v_offset));
    f_colour = vec4(mix(colour, u_background, fade), 1.0);
    write_id(0.0);
}
"""
)


def set_uniform(program: Any, name: str, value: Any) -> None:
    """Set a uniform if the compiled program kept it (GLSL drops unused ones)."""
    uniform = program.get(name, None)  # not `name in program`: moderngl answers that by iterating
    if uniform is not None:
        if isinstance(value, bytes):
            uniform.write(value)
        else:
            uniform.value = value


def decode_id_array(rgba: np.ndarray) -> np.ndarray:
    """Muscle indices from id pixels (red + 256 green = index + 1; blue 255 marks an id), -1 where none."""
    ids = rgba[:, 0].astype(np.int64) + 256 * rgba[:, 1].astype(np.int64) - 1
    return np.where(rgba[:, 2] == 255, ids, -1)


def decode_ids(rgba: np.ndarray) -> list[int | None]:
    return [None if i < 0 else int(i) for i in decode_id_array(rgba)]
