"""The Atlas tab: `panel` (AtlasPanel, the tab), `table` (the heat map), `plots` (a joint over
time, moment arms), `runner` (the atlas in a thread) and `solo_answer` (what the atlas says the
moment a muscle is soloed)."""
