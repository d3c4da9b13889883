"""The compiled engine's equations: OpenSim's right-hand side rebuilt as CasADi expressions.

model_data (the model as plain data), reader (OpenSim -> model data, declining what is not
supported), functions (SimmSpline & co.), kinematics, muscle_paths, thelen, forces, dynamics
(the full state derivative), staged (the derivative for C: M and f as expressions, M factored
numerically), worker (CasADi runs in a child process: the PyPI casadi and the libcasadi
inside the opensim wheel cannot share a process), codegen (generated C compiled by gcc at
first use, cached, called through ctypes), driver (CVODE's loop in C, cvode_driver.c), engine
(the simulation: CVODE on the compiled derivative), observation (osim-rl's observation vector
from the engine's own state), reference (OpenSim's values at the same states, for the proofs).

Library chosen by measurement (issue 22): CasADi. Its SX expressions reproduce the knees'
SimmSpline translations exactly (the whole derivative equals OpenSim's within ~5e-12 relative),
give exact Jacobians and generate self-contained C.

Size and speed of the prosthetic model's derivative (2 shared cores, gcc -O1):
- before (one symbolic expression, symbolic 14x14 solve): 111k operations, 2.5 MB of C, ~21 s
  to compile, ~17 us a call; with its Jacobian 867k operations, 21 MB of C, 339 s.
- staged (staged.py): body velocities, bias accelerations and Jacobians propagated joint to
  joint instead of differentiated through the tree; the mass matrix by the composite-rigid-body
  algorithm; gravity, bias and point forces summed per body before one J^T; CasADi's cse; M
  factored numerically (LDL^T) in the C. 17k operations, 0.38 MB of C, 2.3 s of gcc (~4 s with
  the generation), ~5.3 us a call in C (plus ~1.5 us through ctypes in CVODE's callback);
  OpenSim: ~110 us. Proof at 10,000 states within 1/18 of the bar (3,000 on each of the four
  other non-planar gait models: within 1/36). The Jacobian: an exact sparse one staged the
  same way (of the 27k-operation stage) was 348k operations and 9 MB of C (gcc -O1 unfinished after 4 minutes), and a
  directional derivative ~62k a direction; exactness saved CVODE no evaluations (engine), so
  the engine takes forward differences grouped on the sparsity (48 calls, in C).

pinocchio's ABA is faster on a plain 14-dof tree (~3 us), but its joints cannot express a
CustomJoint's per-axis spline functions (its spline joint interpolates frames): it would not
compute OpenSim's equations.
This package never imports opensim except in reader, reader_parts and reference.
"""
