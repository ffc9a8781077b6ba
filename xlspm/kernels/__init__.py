"""Private compute kernels.

Modules here hold the fast paths (``@njit`` loops, see :mod:`._compile`) and
their pure-NumPy twins (``*_numpy`` modules). They never validate: the public
modules in :mod:`xlspm` validate, convert to contiguous arrays and call them.
"""
