"""Recordings: `columns` (a run's frames in numpy columns), `files` (CSV, .sto and .mot) and
`replay` (a controls file or CSV read back, step by step)."""
