"""The simulation: `model` (loading osim-rl's model), `engine` (Simulation: step, read, save and
restore), `process` (SimulationProcess: it in a child process) with `child` (the child's loop)
and `protocol` (what crosses the pipe), `integrator` and `simtk_integrator` (the modes),
`state_store`, `locked_joints`, `start_check`, `pose` (what the body view draws), `moment_arms`,
`user_controller` and `call_watch` (a user's controller), `model_file`. Only what `engine`,
`model` and `child` call imports OpenSim, in the simulation process."""
