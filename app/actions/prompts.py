"""What the caller hears (text, SSML, audio files) and what they press (DTMF tones), in flow-friendly types."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from azure.communication.callautomation import FileSource, RecognitionChoice, SsmlSource, TextSource

from app.events.media_events import TONE_DIGITS

# Key → wire name ("#" → "pound"): the inverse of the events' table, so the two can never disagree.
_TONE_NAMES = {digit: name for name, digit in TONE_DIGITS.items()}

PlaySource = FileSource | TextSource | SsmlSource


SENSITIVE = "[sensitive]"


@dataclass(frozen=True)
class Speech:
    """Spoken text. ``voice``/``locale`` default to the call's language (see ``CallActions.set_language``).

    ``sensitive=True`` marks text built from what the caller entered (a read-back of digits, a PIN, an account
    number): it is spoken, but never written to logs. See :func:`sensitive`.
    """

    text: str
    voice: str | None = None
    locale: str | None = None
    voice_kind: Literal["male", "female"] | None = None
    sensitive: bool = field(default=False, compare=False)

    def __repr__(self) -> str:
        return f"Speech({SENSITIVE if self.sensitive else repr(self.text)})"


def sensitive(text: str | Speech) -> Speech:
    """Mark a prompt as carrying caller data: it is spoken as usual and logged only as ``[sensitive]``.

    Example::

        await call.recognize_dtmf(sensitive(f"You entered {' '.join(pin)}. Press 1 to confirm."), max_tones=1)
    """
    if isinstance(text, Speech):
        return replace(text, sensitive=True)
    return Speech(text, sensitive=True)


def mark_sensitive(spoken: Prompt | Sequence[Prompt]) -> Prompt | Sequence[Prompt]:
    """:func:`sensitive` applied to every spoken text in ``spoken`` (audio and SSML are never logged verbatim)."""
    if isinstance(spoken, str | Speech):
        return sensitive(spoken)
    if isinstance(spoken, Sequence):
        return [mark_sensitive(item) for item in spoken]  # type: ignore[misc]  # items are prompts
    return spoken


def is_sensitive(prompt: object) -> bool:
    """True when ``prompt`` (or any part of a sequence of prompts) is marked :func:`sensitive`."""
    if isinstance(prompt, Speech):
        return prompt.sensitive
    if isinstance(prompt, Sequence) and not isinstance(prompt, str):
        return any(is_sensitive(item) for item in prompt)
    return False


@dataclass(frozen=True)
class Ssml:
    ssml: str


@dataclass(frozen=True)
class Audio:
    """A file ACS downloads and plays (WAV, 16 kHz mono, per ACS's requirements)."""

    url: str


@dataclass(frozen=True)
class Choice:
    """One option of a choices recognize: said as any of ``phrases`` or pressed as ``tone``.

    Example::

        Choice("sales", phrases=("sales", "buy"), tone="1")
    """

    label: str
    phrases: tuple[str, ...]
    tone: str | None = None

    def to_sdk(self) -> RecognitionChoice:
        return RecognitionChoice(
            label=self.label, phrases=list(self.phrases), tone=tone_names(self.tone)[0] if self.tone else None
        )


Prompt = str | Speech | Ssml | Audio | PlaySource


def play_source(prompt: Prompt, *, voice: str | None = None, locale: str | None = None) -> PlaySource:
    """Turn a prompt into an SDK play source; plain strings are spoken with the call's voice and locale."""
    if isinstance(prompt, FileSource | TextSource | SsmlSource):
        return prompt
    if isinstance(prompt, str):
        prompt = Speech(prompt)
    if isinstance(prompt, Speech):
        if not prompt.text.strip():
            raise ValueError("a spoken prompt needs some text")
        return TextSource(
            text=prompt.text,
            voice_name=prompt.voice or voice,
            source_locale=prompt.locale or locale,
            voice_kind=prompt.voice_kind,
        )
    if isinstance(prompt, Ssml):
        return SsmlSource(ssml_text=prompt.ssml)
    return FileSource(url=prompt.url)


def play_sources(
    prompts: Prompt | Sequence[Prompt], *, voice: str | None = None, locale: str | None = None
) -> list[PlaySource]:
    many = (
        [prompts]
        if isinstance(prompts, str | Speech | Ssml | Audio | FileSource | TextSource | SsmlSource)
        else prompts
    )
    sources = [play_source(prompt, voice=voice, locale=locale) for prompt in many]
    if not sources:
        raise ValueError("nothing to play")
    return sources


def tone_names(tones: str | Sequence[str]) -> list[str]:
    """``"12#"`` → ``["one", "two", "pound"]``; wire names pass through.

    Example::

        tone_names("1#")   # ["one", "pound"]
    """
    items = list(tones) if isinstance(tones, str) else list(tones)
    names = []
    for tone in items:
        name = _TONE_NAMES.get(tone.upper() if len(tone) == 1 else tone, tone.lower())
        if name not in _TONE_NAMES.values():
            raise ValueError(f"{tone!r} is not a DTMF tone (0-9, *, #, A-D)")
        names.append(name)
    return names


def describe(prompt: Prompt | Sequence[Prompt]) -> str:
    """A short loggable description of a prompt; a :func:`sensitive` one is only ``[sensitive]``."""
    if isinstance(prompt, Speech) and prompt.sensitive:
        return SENSITIVE
    if isinstance(prompt, str):
        return prompt[:80]
    if isinstance(prompt, Speech | TextSource):
        return prompt.text[:80]
    if isinstance(prompt, Audio | FileSource):
        return prompt.url
    if isinstance(prompt, Ssml | SsmlSource):
        return "ssml"
    return ", ".join(describe(item) for item in prompt)
