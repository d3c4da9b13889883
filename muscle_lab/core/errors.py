"""Errors the core raises for bad user input, importable without loading OpenSim."""


class ModelLoadError(RuntimeError):
    """A model file that is missing or that OpenSim cannot load."""
