"""The body drawing: `area` (BodyArea: 3D, or 2D where GL fails), `view_3d` (BodyView3D) with
`overlay_3d` (its labels and legend), `view_2d` (the 2D stick drawing) and `video_export` (an
episode to GIF or MP4)."""
