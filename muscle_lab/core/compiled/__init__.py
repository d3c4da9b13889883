"""The compiled engine's equations: OpenSim's right-hand side rebuilt as CasADi expressions.

model_data (the model as plain data), reader (OpenSim -> model data, declining what is not
supported), functions (SimmSpline & co.), kinematics, muscle_paths, thelen, forces, dynamics
(the full state derivative), worker (CasADi runs in a child process: the PyPI casadi and
the libcasadi inside the opensim wheel cannot share a process), codegen (generated C compiled
by gcc at first use, cached, called through ctypes), reference (OpenSim's values at the same
states, for the proofs).

Library chosen by measurement (issue 22): CasADi. Its SX expressions reproduce the knees'
SimmSpline translations exactly (the whole derivative equals OpenSim's within ~5e-12 relative),
give exact Jacobians and generate self-contained C: the prosthetic model's derivative compiled
at -O1 costs ~17 us a call against OpenSim's ~110 us (same machine, same load). pinocchio's ABA
is faster on a plain 14-dof tree (~3 us), but its joints cannot express a CustomJoint's per-axis
spline functions (its spline joint interpolates frames): it would not compute OpenSim's equations.
This package never imports opensim except in reader, reader_parts and reference.
"""
