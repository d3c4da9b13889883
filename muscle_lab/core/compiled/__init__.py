"""The compiled engine's equations: OpenSim's right-hand side rebuilt as CasADi expressions.

model_data (the model as plain data), reader (OpenSim -> model data, declining what is not
supported), functions (SimmSpline & co.), kinematics, muscle_paths, thelen, forces, dynamics
(the full state derivative), worker (CasADi runs in a child process: the PyPI casadi and
the libcasadi inside the opensim wheel cannot share a process), reference (OpenSim's values at
the same states, for the proofs).

Library chosen by measurement (issue 22): CasADi. Its SX expressions reproduce the knees'
SimmSpline translations exactly, give exact Jacobians and generate self-contained C; pinocchio's
joints cannot express a CustomJoint's per-axis spline functions (its spline joint interpolates
frames), so its ABA (faster on a plain tree) would not compute OpenSim's equations.
This package never imports opensim except in reader, reader_parts and reference.
"""
