"""osim-rl's observation of the simulation: `layout` (what each entry of the dictionary and the
vector is) and `reader` (reading them from an OpenSim state, as osim-rl does)."""
