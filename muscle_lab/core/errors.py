"""Errors the core raises for bad user input, importable without loading OpenSim."""


class ModelLoadError(RuntimeError):
    """A model file that is missing or that OpenSim cannot load."""


class SimulationFailed(RuntimeError):
    """Stepping was asked of a simulation whose integration failed; reset it first."""
