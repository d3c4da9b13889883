"""Round 2's target velocities: they live in core (`core.targets`), where tune scores round 2 too."""

from muscle_lab.core.targets import CHANGES, POISSON_LAMBDA, START_VELOCITY, TargetRandom, generate_new_targets

__all__ = ["CHANGES", "POISSON_LAMBDA", "START_VELOCITY", "TargetRandom", "generate_new_targets"]
