"""The Atlas tab: `panel` (AtlasPanel, the tab), `table` (the heat map), `plots` (a joint over
time, moment arms) and `runner` (the atlas in a thread)."""
