"""Simulation core: OpenSim, numpy and files. Never imports Qt."""
