"""What a kit says: fixed prompts, prompts per language, and prompts computed from the call's state.

Example::

    MENU = Localized({"en-US": "For billing press 1.", "es-MX": "Para facturación oprima 1."})
    render(MENU, locale="es-MX", state={})          # "Para facturación oprima 1."
    render(lambda state: f"Your appointment is {state['appointment']}.", locale=None, state=state)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.actions.prompts import Audio, Prompt, Speech, Ssml, is_sensitive, sensitive

Spoken = Prompt | Sequence[Prompt]


@dataclass(frozen=True)
class Localized:
    """One prompt per locale; the first entry is the default for a call whose language is unknown.

    A locale matches exactly (``es-MX``), then by language (``es`` matches ``es-ES``).

    Example::

        Localized({"en-US": "Goodbye.", "es-MX": "Adiós."})
    """

    texts: Mapping[str, Spoken] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.texts:
            raise ValueError("Localized needs at least one locale")

    def pick(self, locale: str | None) -> Spoken:
        if locale is not None:
            if locale in self.texts:
                return self.texts[locale]
            language = locale.split("-")[0].lower()
            for key, text in self.texts.items():
                if key.split("-")[0].lower() == language:
                    return text
        return next(iter(self.texts.values()))


PromptSpec = Spoken | Localized | Callable[[Mapping[str, Any]], Spoken | Localized]
"""A fixed prompt, a :class:`Localized` one, or a function of the call's state returning either."""


def render(spec: PromptSpec, *, locale: str | None, state: Mapping[str, Any] | None) -> Spoken:
    """The prompt to play now, in the call's language."""
    if callable(spec) and not isinstance(spec, str | Speech | Ssml | Audio):
        spec = spec(state if state is not None else {})
    if isinstance(spec, Localized):
        return spec.pick(locale)
    return spec


def join(first: Spoken, second: Spoken) -> Spoken:
    """``"Sorry."`` + ``"Press 1."`` → ``"Sorry. Press 1."``; anything else becomes a list of prompts.

    Joined text stays one prompt, and stays :func:`~app.actions.prompts.sensitive` if either part was.
    """
    if isinstance(first, str) and isinstance(second, str):
        return f"{first} {second}"
    if isinstance(first, str | Speech) and isinstance(second, str | Speech):
        text = f"{_text(first)} {_text(second)}"
        marked = is_sensitive(first) or is_sensitive(second)
        return sensitive(text) if marked else text
    return [*_items(first), *_items(second)]


def _text(prompt: str | Speech) -> str:
    return prompt if isinstance(prompt, str) else prompt.text


def _items(spoken: Spoken) -> list[Prompt]:
    if isinstance(spoken, Sequence) and not isinstance(spoken, str):
        return list(spoken)
    return [spoken]
