"""The muscle_lab window: widgets, and the worker thread that runs the simulation."""
