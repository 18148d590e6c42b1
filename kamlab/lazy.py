"""Lazy package exports (PEP 562): a package lists what it offers, and each name's module
is imported the first time the name is used.

``import kamlab`` (and so every ``kamlab`` command, ``--help`` included) would otherwise
import scikit-learn, SciPy, nbformat and the rest before doing anything: about 2.5 s
and 100 MB. A package's ``__init__`` says instead::

    __getattr__, __dir__, __all__ = lazy_exports(__name__, {
        "kamlab.value.clv": ["CustomerValue", "customer_value"],
        ...
    })

``from kamlab.value import customer_value`` and ``kamlab.value.customer_value`` work as
before; so does ``kamlab.value.clv`` (a submodule is imported on first use too).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable


def lazy_exports(
    package: str, modules: dict[str, list[str]]
) -> tuple[Callable[[str], object], Callable[[], list[str]], list[str]]:
    """``(__getattr__, __dir__, __all__)`` for ``package``, whose ``modules`` map a module
    to the names it exports."""
    where = {name: module for module, names in modules.items() for name in names}

    def __getattr__(name: str):
        module = where.get(name)
        if module is not None:
            value = getattr(importlib.import_module(module), name)
        else:
            try:
                value = importlib.import_module(f"{package}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{package}.{name}":
                    raise  # the submodule exists but something it imports does not
                raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        setattr(sys.modules[package], name, value)  # the next use is a plain attribute
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return __getattr__, __dir__, sorted(where)
