"""Plain C entry points appended to the staged level's generated C.

NAME_into(inputs..., out) call CasADi's function with its work arrays on the stack (thread-safe),
so ctypes passes a few addresses and builds no pointer arrays: an integrator calls them
thousands of times a second, and CasADi's calling convention through ctypes cost about as much
as the derivative itself. rhs_jacobian_into takes the derivative's Jacobian by forward
differences grouped on its sparsity (columns of one colour share no row), in C: the Python
loop it replaces cost ~0.5 ms a Jacobian.
"""

from __future__ import annotations

DIRECT_FUNCTIONS = {"rhs": 2, "pose": 1, "bodies": 2, "drawing": 1}  # the staged level's functions, by number of inputs

_DIRECT = """
int {name}_into({parameters}, casadi_real* out) {{
  casadi_int n_arg, n_res, n_iw, n_w;
  {name}_work(&n_arg, &n_res, &n_iw, &n_w);
  const casadi_real* arg[n_arg + 1];
  casadi_real* res[n_res + 1];
  casadi_int iw[n_iw + 1];
  casadi_real w[n_w + 1];
  {assign}
  for (casadi_int i = 1; i < n_res; ++i) res[i] = 0;
  res[0] = out;
  return {name}(arg, res, iw, w, 0);
}}
"""

# f0: the derivative at x; jac: n x n, row-major; colour[c]: column c's colour; colind/row:
# the pattern, compressed by column (the rows column c may change).
_JACOBIAN = """
int rhs_jacobian_into(const casadi_real* x, const casadi_real* e, const casadi_real* f0,
                      casadi_real* jac, casadi_int n, const casadi_int* colour, casadi_int n_colours,
                      const casadi_int* colind, const casadi_int* row, casadi_real relative_step) {
  casadi_real shifted[n], f1[n], step[n];
  for (casadi_int k = 0; k < n * n; ++k) jac[k] = 0;
  for (casadi_int g = 0; g < n_colours; ++g) {
    for (casadi_int c = 0; c < n; ++c) {
      shifted[c] = x[c];
      if (colour[c] != g) continue;
      casadi_real size = x[c] < 0 ? -x[c] : x[c];
      shifted[c] = x[c] + relative_step * (size > 1 ? size : 1);
      step[c] = shifted[c] - x[c];  /* the step as represented */
    }
    int status = rhs_into(shifted, e, f1);
    if (status) return status;
    for (casadi_int c = 0; c < n; ++c) {
      if (colour[c] != g) continue;
      for (casadi_int k = colind[c]; k < colind[c + 1]; ++k)
        jac[row[k] * n + c] = (f1[row[k]] - f0[row[k]]) / step[c];
    }
  }
  return 0;
}
"""


def entry_points() -> str:
    """The C to append to the staged level's source."""
    text = ""
    for name, inputs in DIRECT_FUNCTIONS.items():
        parameters = ", ".join(f"const casadi_real* in{i}" for i in range(inputs))
        assign = " ".join(f"arg[{i}] = in{i};" for i in range(inputs))
        text += _DIRECT.format(name=name, parameters=parameters, assign=assign)
    return text + _JACOBIAN
