"""`python -m muscle_lab.env [MODEL.osim]`: the observation table (the README's)."""

import sys

from muscle_lab.env.prosthetics import observation_table

print(observation_table(sys.argv[1] if len(sys.argv) > 1 else None), end="")
