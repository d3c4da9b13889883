"""The excitation editor: a track per muscle over time (tracks), the page around it (panel)."""
