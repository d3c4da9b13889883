"""The simulation: `model` (loading osim-rl's model), `engine` (Simulation: step, read, save and
restore), `process` (it in a child process), `integrator` and `simtk_integrator` (the modes),
`state_store`, `locked_joints`, `start_check`, `pose` (what the body view draws), `moment_arms`,
`user_controller` and `call_watch` (a user's controller), `model_file`. Only `engine`, `model`
and what they call import OpenSim."""
