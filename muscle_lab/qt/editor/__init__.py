"""The excitation editor: a track per muscle over time (tracks), the time axis above them (axis),
the page around them (panel)."""
