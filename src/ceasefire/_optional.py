"""Optional dependencies, imported when first needed (geopandas' import_optional_dependency)."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingDependencyError

__all__ = ["import_optional"]


def import_optional(module: str, *, extra: str = "nlp") -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` naming the extra to install.

    >>> import_optional("json").__name__
    'json'
    >>> import_optional("no_such_module_here")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ceasefire.errors.MissingDependencyError: no_such_module_here ...: pip install 'ceasefire[nlp]'
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependencyError(
            f"{module} is needed here: pip install 'ceasefire[{extra}]'"
        ) from None
