"""Two settings of Simbody's integrator that OpenSim's Python API does not expose.

The Manager's `SimTK::Integrator` is reachable (`int(manager.getIntegrator())` is its address),
and the wheel's libSimTKmath exports the two setters faithful mode needs:

- `Integrator::setAllowInterpolation(false)`: CPodes then stops exactly at each 0.01 s step's
  end instead of stepping past it and interpolating back, so a new action acts from the step's
  start, as in osim-rl's Runge-Kutta-Merson (interpolating, it acted up to one internal step late:
  1.5 deg off the reference with random actions).
- `CPodesIntegrator::setOrderLimit(3)`: the BDF order at most 3. Each action change is a kink in
  the solution; at orders 4-5 CPodes fails its error tests there and collapses its step size.

These are C++ calls through ctypes, so they are bound to the ABI of the OpenSim 4.6 wheel
(setup.cfg pins the 4.6 series). `tweaks_unavailable()` checks the version, the symbols and, on
every Manager, the integrator's method name before calling anything; where a check fails, the
caller falls back to settings that need neither call.
"""

from __future__ import annotations

import ctypes
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import opensim

SUPPORTED_VERSION = "4.6"
LIBRARY = "libSimTKmath.so"
# Itanium-mangled names, exported by the wheel's libSimTKmath (checked with `nm -D`).
SET_ALLOW_INTERPOLATION = "_ZN5SimTK10Integrator21setAllowInterpolationEb"
SET_ORDER_LIMIT = "_ZN5SimTK16CPodesIntegrator13setOrderLimitEi"
GET_METHOD_NAME = "_ZNK5SimTK10Integrator13getMethodNameEv"
IS_STATE_INTERPOLATED = "_ZNK5SimTK10Integrator19isStateInterpolatedEv"
# What Integrator::getMethodName() answers for the Manager's CPodes (BDF, Newton iteration).
CPODES_METHOD_NAME = "CPodesBDF"


@dataclass(frozen=True)
class _Functions:
    set_allow_interpolation: Any
    set_order_limit: Any
    get_method_name: Any
    is_state_interpolated: Any


@functools.cache
def _load() -> _Functions | str:
    """The four functions, or why they cannot be had (checked once per process)."""
    version = str(getattr(opensim, "__version__", "unknown"))
    if version != SUPPORTED_VERSION and not version.startswith(SUPPORTED_VERSION + "."):
        return f"OpenSim {version} is not the {SUPPORTED_VERSION} series these integrator calls are built for"
    path = Path(opensim.__file__).parent / LIBRARY
    try:
        # Local: a global libSimTKmath would lend its CPodes copies of SUNDIALS' N_V* functions
        # to scikit-sundae's CVODE loaded later (the compiled engine), which then crashed.
        library = ctypes.CDLL(str(path), mode=ctypes.RTLD_LOCAL)
        functions = _Functions(
            getattr(library, SET_ALLOW_INTERPOLATION),
            getattr(library, SET_ORDER_LIMIT),
            getattr(library, GET_METHOD_NAME),
            getattr(library, IS_STATE_INTERPOLATED),
        )
    except (OSError, AttributeError) as error:
        return f"Simbody's integrator settings are not reachable in {path.name}: {error}"
    functions.set_allow_interpolation.argtypes = [ctypes.c_void_p, ctypes.c_bool]
    functions.set_allow_interpolation.restype = None
    functions.set_order_limit.argtypes = [ctypes.c_void_p, ctypes.c_int]
    functions.set_order_limit.restype = None
    functions.get_method_name.argtypes = [ctypes.c_void_p]
    functions.get_method_name.restype = ctypes.c_char_p
    functions.is_state_interpolated.argtypes = [ctypes.c_void_p]
    functions.is_state_interpolated.restype = ctypes.c_bool
    return functions


def _available() -> _Functions:
    """The functions; RuntimeError saying why where they cannot be had."""
    functions = _load()
    if isinstance(functions, str):
        raise RuntimeError(functions)
    return functions


def tweaks_unavailable() -> str | None:
    """None when `tweak_cpodes` can be used; otherwise why not, in one sentence."""
    loaded = _load()
    return loaded if isinstance(loaded, str) else None


def _integrator_address(manager: opensim.Manager) -> int:
    return int(manager.getIntegrator())


def method_name(manager: opensim.Manager) -> str:
    """The name Simbody gives the Manager's integrator, e.g. 'CPodesBDF' or 'RungeKuttaMerson'."""
    functions = _available()
    name: bytes = functions.get_method_name(_integrator_address(manager))
    return name.decode()


def tweak_cpodes(manager: opensim.Manager, interpolate: bool, order_limit: int | None) -> None:
    """Set interpolation and the BDF order limit on the Manager's CPodes integrator.

    Call after `setIntegratorMethod` (which makes a new integrator) and before `initialize`.
    Raises RuntimeError when the calls are unavailable or the integrator is not CPodes.
    """
    functions = _available()
    address = _integrator_address(manager)
    name = functions.get_method_name(address).decode()
    if name != CPODES_METHOD_NAME:
        raise RuntimeError(f"the Manager's integrator is {name}, not {CPODES_METHOD_NAME}")
    functions.set_allow_interpolation(address, interpolate)
    if order_limit is not None:
        functions.set_order_limit(address, order_limit)


def state_interpolated(manager: opensim.Manager) -> bool:
    """Whether the Manager's last `integrate` returned a state interpolated back from past its end."""
    functions = _available()
    interpolated: bool = functions.is_state_interpolated(_integrator_address(manager))
    return interpolated
