"""Runnable examples: `python -m muscle_lab.examples.<name>`."""
