"""The plots under the body: `panel` (PlotPanel: joint angles, pelvis height, reward), `items`
(each plot's cursor, end and hover lines and readout) and `plan` (which curves, their ranges
and window)."""
