"""Benchmarks that print figures: `python -m muscle_lab.bench [--gui]`."""
