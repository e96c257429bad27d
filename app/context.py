"""Typed operationContext: a small frozen model that packs to ``"prefix:value:value"`` and back.

ACS echoes the ``operationContext`` of an action in the callbacks it causes, so a flow can carry its step (and a
little data, such as a retry count) through the call without any storage. The router matches a handler's
``context=Menu`` by prefix and injects the parsed object as ``ctx``.

Example::

    class Menu(OperationContext, prefix="menu"):
        attempt: int = 1

    Menu(attempt=2).pack()          # "menu:2"
    Menu.unpack("menu:2")           # Menu(attempt=2)
    Menu.matches("menu:x")          # False: "x" is not an int
    unpack_any("menu:3")            # Menu(attempt=3)

Packing rules: values are joined with ``:`` in field order; ``None`` packs as an empty string (and an empty
string unpacks to ``None`` for fields that allow it); ``bool`` packs as ``1``/``0``; an ``Enum`` packs its value.
A value containing ``:`` is refused, and so is a packed string longer than :data:`MAX_CONTEXT_LENGTH`.
"""

from __future__ import annotations

import types
import typing
from enum import Enum
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from app import errors

SEPARATOR = ":"

# ACS rejects an operationContext longer than 5000 characters: the .NET Call Automation SDK checks it client-side
# ("OperationContext exceeds maximum string length of 5000.", CallAutomationErrorMessages in azure-sdk-for-net).
# The Python SDK does not check, so we do, to fail at pack() time rather than with an HTTP 400 mid-call.
MAX_CONTEXT_LENGTH = 5000

_SCALARS: tuple[type, ...] = (str, int, float, bool)


class OperationContext(BaseModel):
    """Base class of typed operation contexts; each declares a unique ``prefix=`` (aiogram ``CallbackData`` style).

    Subclasses register their prefix when their module is imported, in a class-level registry. That registry is
    the one piece of module-level state here, on purpose: prefix uniqueness is a property of the whole program
    (two flows must not both claim ``"menu"``), and :func:`unpack_any` needs to find a class from a string. It is
    written only while classes are being defined (import time) and only read afterwards; redefining a class with
    the same module and qualified name (a module reload) replaces its entry instead of clashing.

    Example::

        class Transfer(OperationContext, prefix="xfer"):
            target: str
            attempt: int = 1
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    __prefix__: ClassVar[str] = ""
    _registry: ClassVar[dict[str, type[OperationContext]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        if "prefix" not in kwargs:
            raise errors.ContextDefinitionError(errors.context_missing_prefix(cls.__name__))
        prefix = kwargs.pop("prefix")
        if not isinstance(prefix, str) or not prefix or SEPARATOR in prefix:
            raise errors.ContextDefinitionError(errors.context_bad_prefix(cls.__name__, prefix, SEPARATOR))
        cls.__prefix__ = prefix
        super().__init_subclass__(**kwargs)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        # Runs once pydantic has collected the fields, so their types can be checked before registering.
        super().__pydantic_init_subclass__(**kwargs)
        for name, field in cls.model_fields.items():
            if not _packable(field.annotation):
                raise errors.ContextDefinitionError(errors.context_bad_field(cls.__name__, name, field.annotation))
        existing = OperationContext._registry.get(cls.__prefix__)
        if existing is not None and _identity(existing) != _identity(cls):
            raise errors.ContextDefinitionError(
                errors.context_duplicate_prefix(cls.__prefix__, _identity(existing), _identity(cls))
            )
        OperationContext._registry[cls.__prefix__] = cls

    @classmethod
    def prefix(cls) -> str:
        return cls.__prefix__

    def pack(self) -> str:
        """The operationContext string for an action, e.g. ``"menu:2"``."""
        name = type(self).__name__
        parts = [self.__prefix__]
        for field in type(self).model_fields:
            text = _encode(getattr(self, field))
            if SEPARATOR in text:
                raise errors.ContextPackError(errors.context_separator_in_value(name, field, SEPARATOR))
            parts.append(text)
        packed = SEPARATOR.join(parts)
        if len(packed) > MAX_CONTEXT_LENGTH:
            raise errors.ContextPackError(errors.context_too_long(name, len(packed), MAX_CONTEXT_LENGTH))
        return packed

    @classmethod
    def unpack(cls, value: str) -> Self:
        """Parse a packed string; raise :class:`ContextPackError` if it is not one of this class."""
        if not isinstance(value, str):
            raise errors.ContextPackError(errors.context_unpack_failed(cls.__name__, "not a string"))
        prefix, *parts = value.split(SEPARATOR)
        if prefix != cls.__prefix__:
            raise errors.ContextPackError(errors.context_unpack_failed(cls.__name__, f"prefix is not {prefix!r}"))
        fields = cls.model_fields
        if len(parts) != len(fields):
            reason = f"expected {len(fields)} value(s) after the prefix, got {len(parts)}"
            raise errors.ContextPackError(errors.context_unpack_failed(cls.__name__, reason))
        values = {
            name: _decode(field.annotation, part) for (name, field), part in zip(fields.items(), parts, strict=True)
        }
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            bad = ", ".join(str(detail["loc"][0]) for detail in error.errors() if detail["loc"])
            raise errors.ContextPackError(errors.context_unpack_failed(cls.__name__, f"bad value for {bad}")) from None

    @classmethod
    def matches(cls, value: str | None) -> bool:
        """True when ``value`` carries this class's prefix and unpacks cleanly."""
        return cls.read(value) is not None

    @classmethod
    def read(cls, value: str | None) -> Self | None:
        """The context ``value`` packs when it carries this class's prefix and unpacks cleanly, else None.

        Example::

            Menu.read("menu:2")   # Menu(attempt=2)
            Menu.read("menu:x")   # None
        """
        if not isinstance(value, str) or value.split(SEPARATOR, 1)[0] != cls.__prefix__:
            return None
        try:
            return cls.unpack(value)
        except errors.ContextPackError:
            return None


def unpack_any(value: str | None) -> OperationContext | None:
    """The typed operation context whose prefix ``value`` carries, or None (unknown prefix, or it does not unpack).

    Example::

        unpack_any("menu:2")   # Menu(attempt=2)
        unpack_any("hello")    # None
    """
    if not isinstance(value, str):
        return None
    cls = OperationContext._registry.get(value.split(SEPARATOR, 1)[0])
    if cls is None:
        return None
    try:
        return cls.unpack(value)
    except errors.ContextPackError:
        return None


def context_class_for(value: str | None) -> type[OperationContext] | None:
    """The registered class whose prefix ``value`` carries (whether or not it unpacks)."""
    if not isinstance(value, str):
        return None
    return OperationContext._registry.get(value.split(SEPARATOR, 1)[0])


def _encode(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        return _encode(value.value)
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _decode(annotation: object, part: str) -> object:
    # Enums and Literals are matched on their packed text, so int-valued ones round-trip too.
    if part == "" and _optional(annotation):
        return None
    for member in _members(annotation):
        if isinstance(member, type) and issubclass(member, Enum):
            for item in member:
                if _encode(item) == part:
                    return item
        elif typing.get_origin(member) is typing.Literal:
            for arg in typing.get_args(member):
                if _encode(arg) == part:
                    return arg
    return part


def _identity(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _members(annotation: object) -> tuple[object, ...]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


def _optional(annotation: object) -> bool:
    return type(None) in _members(annotation)


def _packable(annotation: object) -> bool:
    for member in _members(annotation):
        if member is type(None):
            continue
        if typing.get_origin(member) is typing.Literal:
            if not all(isinstance(arg, _SCALARS) for arg in typing.get_args(member)):
                return False
            continue
        if not isinstance(member, type) or not issubclass(member, (*_SCALARS, Enum)):
            return False
    return True
