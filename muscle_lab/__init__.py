"""muscle_lab: poke at the muscles of an OpenSim model and watch, live, what each one does."""

__version__ = "0.1.0"
