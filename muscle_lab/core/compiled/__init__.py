"""The compiled engine's equations: OpenSim's right-hand side rebuilt as CasADi expressions.

model_data (the model as plain data), reader (OpenSim -> model data, declining what is not
supported), functions (SimmSpline & co.), kinematics, muscle_paths, thelen, forces, dynamics
(the full state derivative), staged (the derivative for C: M and f as expressions, M factored
numerically), worker (CasADi runs in a child process: the PyPI casadi and the libcasadi
inside the opensim wheel cannot share a process), codegen (generated C compiled by gcc at
first use, cached, called through ctypes), engine (the simulation: CVODE on the compiled
derivative), reference (OpenSim's values at the same states, for the proofs).

Library chosen by measurement (issue 22): CasADi. Its SX expressions reproduce the knees'
SimmSpline translations exactly (the whole derivative equals OpenSim's within ~5e-12 relative),
give exact Jacobians and generate self-contained C.

Size and speed of the prosthetic model's derivative (2 shared cores, gcc -O1, ctypes included):
one symbolic expression with a symbolic 14x14 solve was 111k operations, 2.5 MB of C, ~21 s to
compile and ~17 us a call (867k operations, 21 MB and 339 s with the Jacobian). Staged
(kinematics and Kane's bias accelerations propagated body to body instead of differentiated
through the tree, point forces summed per body before J^T, CasADi's cse, M factored by LDL^T
in the C): 27k operations, 0.6 MB of C, ~5 s to compile, ~9 us a call (OpenSim: ~110 us); its
10,000-state proof is within 1/86 of the bar. The exact sparse Jacobian staged the same way
is 348k operations and 9 MB of C (gcc -O1 did not finish in 4 minutes): the engine takes
grouped forward differences of the compiled derivative instead (49 calls). pinocchio's ABA
is faster on a plain 14-dof tree (~3 us), but its joints cannot express a CustomJoint's per-axis
spline functions (its spline joint interpolates frames): it would not compute OpenSim's equations.
This package never imports opensim except in reader, reader_parts and reference.
"""
