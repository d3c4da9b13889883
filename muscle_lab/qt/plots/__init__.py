"""The plots under the body: `panel` (PlotPanel: joint angles, pelvis height, reward), `legend_row`
(the curves' legend and the ghost's name above them), `items` (each plot's cursor, end and hover
lines and readout, and how a plot is dressed) and `plan` (which curves, their colours, ranges
and window)."""
