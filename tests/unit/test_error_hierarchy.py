"""Every public exception Callwright defines derives from ``CallwrightError``, so ``except CallwrightError`` catches
what the framework raises."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import app
from app.errors import CallwrightError


def _public_exceptions() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for module_info in pkgutil.walk_packages(app.__path__, "app."):
        if module_info.name.startswith("app.testing"):
            continue  # test helpers for users, not the framework's own errors
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
                and not name.startswith("_")
            ):
                found[f"{module.__name__}.{name}"] = value
    return list(found.values())


def test_every_public_error_is_a_callwright_error() -> None:
    errors = _public_exceptions()
    assert len(errors) > 10  # the walk found the framework's errors
    strays = sorted(f"{e.__module__}.{e.__name__}" for e in errors if not issubclass(e, CallwrightError))
    assert strays == []
