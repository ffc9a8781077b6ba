"""Output files: checked before any work, written atomically, never an input.

Every file xlspm writes goes through :func:`output_path` (the checks) and
:func:`atomic_output` (a hidden staging file renamed into place on success and
removed on any failure or interruption), so a run leaves either the whole
file or nothing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError

__all__ = ["atomic_output", "output_path"]


def output_path(path, sources=(), force: bool = False, suffix: str = ".xlsx") -> Path:
    """Return ``path`` as a Path once it is safe to write.

    Parameters
    ----------
    path : str or path-like
        The file to create.
    sources : iterable of path-like
        The run's inputs; the output may never be one of them.
    force : bool, default False
        Replace an existing file.
    suffix : str, default ".xlsx"
        The extension the output must have.

    Raises
    ------
    InputError
        If the suffix is wrong, ``path`` is an input, or it exists without
        ``force``.
    """
    path = Path(path)
    if path.suffix.lower() != suffix:
        raise InputError(f"{path}: the output must be a {suffix} file.")
    for source in sources:
        if source is not None and path.resolve() == Path(source).resolve():
            raise InputError(f"{path}: refusing to overwrite an input workbook.")
    if path.exists() and not force:
        raise InputError(f"{path}: already exists; pass --force to replace it.")
    return path


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a staging path beside ``path``; rename it into place on success.

    On any exception (KeyboardInterrupt included) the staging file is removed
    and the exception propagates; ``path`` is left as it was.
    """
    staged = path.with_name(f".{path.name}.xlspm-tmp")
    try:
        yield staged
        os.replace(staged, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            staged.unlink()
        raise
