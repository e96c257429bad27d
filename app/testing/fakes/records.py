"""Typed records of what a ``FakeCallActions`` was asked to do; tests compare them with ``==``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.actions.prompts import Audio, Prompt, Speech, Ssml


@dataclass(frozen=True)
class Answer:
    context: str | None = None


@dataclass(frozen=True)
class Reject:
    reason: str = "none"


@dataclass(frozen=True)
class Redirect:
    target: str


@dataclass(frozen=True)
class Play:
    text: str
    context: str | None = None
    to: str = "all"
    loop: bool = False
    locale: str | None = field(default=None, compare=False)
    voice: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Recognize:
    text: str | None
    context: str | None = None
    kind: str = "dtmf"
    max_tones: int = 1
    stop_tones: str | None = None
    interrupt_prompt: bool = True
    initial_silence_timeout: int = field(default=5, compare=False)
    choices: tuple[str, ...] = field(default=(), compare=False)
    target: str | None = field(default=None, compare=False)
    locale: str | None = field(default=None, compare=False)
    voice: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Transfer:
    target: str
    context: str | None = None
    sip_headers: tuple[tuple[str, str], ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class AddParticipant:
    target: str
    caller_id: str | None = None
    context: str | None = None
    invitation_timeout: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CancelAddParticipant:
    invitation_id: str
    context: str | None = None


@dataclass(frozen=True)
class RemoveParticipant:
    target: str
    context: str | None = None


@dataclass(frozen=True)
class Mute:
    target: str


@dataclass(frozen=True)
class HangUp:
    for_everyone: bool = True


@dataclass(frozen=True)
class Hold:
    target: str
    music: str | None = None


@dataclass(frozen=True)
class Unhold:
    target: str


@dataclass(frozen=True)
class StartContinuousDtmf:
    target: str
    context: str | None = None


@dataclass(frozen=True)
class StopContinuousDtmf:
    target: str


@dataclass(frozen=True)
class CancelMedia:
    pass


@dataclass(frozen=True)
class StartRecording:
    recording_id: str


@dataclass(frozen=True)
class StopRecording:
    recording_id: str


@dataclass(frozen=True)
class Connect:
    room_id: str | None = None
    group_call_id: str | None = None
    server_call_id: str | None = None
    context: str | None = None
    call_connection_id: str = field(default="", compare=False)


@dataclass(frozen=True)
class ListParticipants:
    pass


def spoken(prompt: Prompt | Sequence[Prompt] | None) -> str | None:
    """The words (or file URLs) of a prompt, joined: what a test looks for."""
    if prompt is None:
        return None
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, Speech):
        return prompt.text
    if isinstance(prompt, Audio):
        return prompt.url
    if isinstance(prompt, Ssml):
        return prompt.ssml
    if isinstance(prompt, Sequence):
        return " ".join(filter(None, (spoken(item) for item in prompt)))
    return str(getattr(prompt, "text", None) or getattr(prompt, "url", None) or prompt)
