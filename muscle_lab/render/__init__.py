"""Drawing a model in 3D without Qt: .vtp meshes, scene and camera, an offscreen GL renderer,
video and text overlays. Used by the window's 3D view, the CLI's --video and video export."""
