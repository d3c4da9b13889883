"""`glFinish` through ctypes, so that waiting for a software rasteriser lets go of the GIL.

moderngl holds the GIL in every call. With Mesa's llvmpipe the drawing is rasterised when the
image is waited for: in `finish`, or in the read-back that implies it, ~10 ms a frame at 800x600
(measured with a Python thread counting meanwhile: it stood still). Called through ctypes
(which releases the GIL around foreign calls) other Python threads, the GUI's, run meanwhile;
the read-back after it only copies. The function comes from the context's own loader
(glcontext's, the one moderngl got its functions from); where that cannot give it, moderngl's
`finish` is used instead.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable


def gil_free_finish(ctx, use_ctypes: bool = True) -> tuple[Callable[[], None], bool]:
    """A `finish` for this moderngl context (call it inside the context) and whether it is the
    GIL-free one."""
    if use_ctypes:
        try:
            address = ctx.mglo._context.load("glFinish")  # noqa: SLF001  glcontext's loader, as moderngl's own
        except Exception:  # noqa: BLE001  another moderngl or glcontext: no loader to ask
            address = 0
        if address:
            return ctypes.CFUNCTYPE(None)(address), True
    return ctx.finish, False
