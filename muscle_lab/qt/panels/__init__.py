"""The panels around the body: `muscles` (the sliders), `presets`, `recording` (with
`controls_loader`), `observation`, `message_bar` and `docks` (the dock area that holds them).
Each takes the lab model and the simulation controller, never the window."""
