"""OperationContext: pack, unpack, matches, definition errors, limits, unpack_any."""

from __future__ import annotations

from enum import Enum
from typing import Literal

import pytest

from app.context import MAX_CONTEXT_LENGTH, OperationContext, context_class_for, unpack_any
from app.errors import ContextDefinitionError, ContextPackError, HandlerRegistrationError


class Menu(OperationContext, prefix="tc_menu"):
    attempt: int = 1


class Farewell(OperationContext, prefix="tc_bye"):
    """No fields: packs to just the prefix."""


class Colour(Enum):
    RED = "red"
    BLUE = "blue"


class Level(Enum):
    LOW = 1
    HIGH = 2


class Everything(OperationContext, prefix="tc_all"):
    name: str = "x"
    count: int = 0
    ratio: float = 0.5
    flag: bool = False
    colour: Colour = Colour.RED
    level: Level = Level.LOW
    mode: Literal["a", "b"] = "a"
    note: str | None = None


class Note(OperationContext, prefix="tc_note"):
    text: str


def test_pack_and_unpack_round_trip() -> None:
    assert Menu(attempt=2).pack() == "tc_menu:2"
    assert Menu.unpack("tc_menu:2") == Menu(attempt=2)
    assert Menu().pack() == "tc_menu:1"


def test_no_field_context_is_just_the_prefix() -> None:
    assert Farewell().pack() == "tc_bye"
    assert Farewell.unpack("tc_bye") == Farewell()


@pytest.mark.parametrize(
    "value",
    [
        Everything(),
        Everything(name="n", count=-3, ratio=1.25, flag=True, colour=Colour.BLUE, level=Level.HIGH, mode="b"),
        Everything(note="hello"),
        Everything(note=None, name=""),
    ],
)
def test_every_supported_type_round_trips(value: Everything) -> None:
    assert Everything.unpack(value.pack()) == value


def test_packed_representation_of_each_type() -> None:
    value = Everything(name="n", count=3, ratio=0.25, flag=True, colour=Colour.BLUE, level=Level.HIGH, mode="b")
    assert value.pack() == "tc_all:n:3:0.25:1:blue:2:b:"


def test_matches_requires_prefix_and_clean_unpack() -> None:
    assert Menu.matches("tc_menu:3")
    assert not Menu.matches("tc_menu:three")  # does not unpack
    assert not Menu.matches("tc_menu")  # wrong field count
    assert not Menu.matches("tc_menu:1:2")
    assert not Menu.matches("tc_menux:1")  # prefix must be equal, not just a prefix of the string
    assert not Menu.matches("tc_bye")
    assert not Menu.matches(None)
    assert not Menu.matches("")


@pytest.mark.parametrize("text", ["tc_menu:x", "tc_bye", "tc_menu", "tc_menu:1:2", "other:1"])
def test_unpack_rejects_with_context_pack_error(text: str) -> None:
    with pytest.raises(ContextPackError, match="Menu"):
        Menu.unpack(text)


def test_pack_refuses_separator_in_values() -> None:
    with pytest.raises(ContextPackError, match="'text' contains the separator"):
        Note(text="a:b").pack()


def test_pack_refuses_more_than_the_acs_limit() -> None:
    assert len(Note(text="x" * (MAX_CONTEXT_LENGTH - len("tc_note:"))).pack()) == MAX_CONTEXT_LENGTH
    with pytest.raises(ContextPackError, match=f"at most {MAX_CONTEXT_LENGTH}"):
        Note(text="x" * MAX_CONTEXT_LENGTH).pack()


def test_contexts_are_frozen() -> None:
    with pytest.raises(ValueError):
        Menu().attempt = 3  # type: ignore[misc]  # the point of the test


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValueError):
        Menu(attempts=2)  # type: ignore[call-arg]  # the point of the test


def test_prefix_is_required() -> None:
    with pytest.raises(ContextDefinitionError, match="needs a prefix"):

        class NoPrefix(OperationContext):
            pass


@pytest.mark.parametrize("prefix", ["a:b", "", 5])
def test_prefix_must_be_plain(prefix: object) -> None:
    with pytest.raises(ContextDefinitionError, match="prefix"):

        class BadPrefix(OperationContext, prefix=prefix):
            pass


def test_duplicate_prefix_is_an_import_time_error_with_a_fix() -> None:
    with pytest.raises(ContextDefinitionError) as caught:

        class Clash(OperationContext, prefix="tc_menu"):
            pass

    message = str(caught.value)
    assert "test_context.Menu" in message and "different prefix" in message
    assert isinstance(caught.value, HandlerRegistrationError)
    assert unpack_any("tc_menu:2") == Menu(attempt=2)  # the original keeps its prefix


def test_unsupported_field_type_is_rejected() -> None:
    with pytest.raises(ContextDefinitionError, match="cannot be packed"):

        class Listy(OperationContext, prefix="tc_listy"):
            items: list[int] = []


def test_unpack_any_finds_the_class_by_prefix() -> None:
    assert unpack_any("tc_menu:4") == Menu(attempt=4)
    assert unpack_any("tc_bye") == Farewell()
    assert unpack_any("tc_menu:nope") is None
    assert unpack_any("never-registered:1") is None
    assert unpack_any(None) is None
    assert context_class_for("tc_menu:nope") is Menu
