"""Private compute kernels.

Modules here hold the fast paths (``@njit`` loops under the one compile
policy of :mod:`.jit`) and their pure-NumPy twins (``*_numpy`` modules, same
arguments). They never validate: the public modules validate, convert to
contiguous arrays and call them through :func:`.dispatch.kernel`, the one
place that chooses the backend.
"""
