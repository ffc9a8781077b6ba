"""Griffe extension: numpydoc's Sphinx roles as links of the API reference.

xlspm's docstrings follow numpydoc and cross-reference with Sphinx roles
(``:func:`xlspm.calculate```). mkdocstrings shows Markdown, where a role would
print as it is written. In the docstrings the API reference renders (the
names in ``xlspm.__all__`` and their members), this extension turns each role
into a link to the name's entry on the API page, or into code when the target
exists but has no entry there. A target that names nothing in the package is
logged as a warning, so ``mkdocs build --strict`` fails on a stale reference.
"""

from __future__ import annotations

import re

import griffe

ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|attr|exc|data|obj):`(~?)([^`]+)`")
logger = griffe.get_logger("xlspm.docs")


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles in the docstrings of ``xlspm.__all__``."""

    def on_package(self, *, pkg: griffe.Module, **kwargs) -> None:
        """Rewrite the docstrings of the documented names and their members."""
        if pkg.path != "xlspm":
            return
        documented = {}  # canonical path -> anchor on the API page
        for name in _public_names(pkg):
            target = _final(pkg[name])
            documented[target.path] = f"xlspm.{name}"
            for member in _members(target):
                documented[member.path] = (
                    f"xlspm.{name}{member.path[len(target.path) :]}"
                )
        for path in dict(documented):
            obj = _final(pkg.modules_collection[path])
            if obj.docstring is not None:
                obj.docstring.value = ROLE.sub(
                    lambda m, o=obj: _replace(m, o, pkg, documented),
                    obj.docstring.value,
                )


def _public_names(pkg: griffe.Module) -> list[str]:
    value = pkg.members["__all__"].value
    return [str(e).strip("'\"") for e in value.elements if "__" not in str(e)]


def _final(obj):
    return obj.final_target if obj.is_alias else obj


def _members(obj):
    for member in obj.members.values():
        if member.name.startswith("_") or member.is_alias:
            continue
        yield member
        yield from _members(member)


def _replace(match: re.Match, obj, pkg: griffe.Module, documented: dict) -> str:
    short, target = match.group(1) == "~", match.group(2).strip()
    label = target.rsplit(".", 1)[-1] if short else target
    found = _resolve(target, obj, pkg)
    if found is None:
        logger.warning(f"{obj.path}: docstring names {target!r}, which does not exist")
        return f"`{label}`"
    anchor = documented.get(found.path)
    return f"[`{label}`][{anchor}]" if anchor else f"`{label}`"


def _resolve(target: str, obj, pkg: griffe.Module):
    scopes = [obj.path, obj.parent.path if obj.parent else "", obj.module.path, "xlspm"]
    for scope in ("", *scopes):
        path = f"{scope}.{target}" if scope else target
        if path != "xlspm" and not path.startswith("xlspm."):
            continue
        try:
            found = pkg[path.removeprefix("xlspm.")] if path != "xlspm" else pkg
            return _final(found)
        except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
            continue
    return None
