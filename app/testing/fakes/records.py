"""Typed records of the requests the real ``CallActions`` sent to the fake ACS; tests compare them with ``==``.

Each record is read from the request body as it would have gone over the wire (see ``transport.py``), and every
request field is compared: targets, contexts, timeouts, tones, locale and voice, SIP and VoIP headers, the flow
the callback URL binds the call to. Only ids the fake ACS itself assigned (``call_connection_id`` of a connect,
``recording_id``) are left out of ``==``. Defaults are what the actions send when a handler passes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.actions.prompts import Audio, Prompt, Speech, Ssml

Headers = tuple[tuple[str, str], ...]
"""Headers as sorted ``(name, value)`` pairs, so records stay hashable and order-free."""


@dataclass(frozen=True)
class Answer:
    context: str | None = None
    flow: str | None = None
    """The ``flow`` parameter of the callback URL: the flow the call is bound to."""


@dataclass(frozen=True)
class Reject:
    reason: str = "none"


@dataclass(frozen=True)
class Redirect:
    target: str


@dataclass(frozen=True)
class CreateCall:
    targets: tuple[str, ...]
    caller_id: str | None = None
    display_name: str | None = None
    context: str | None = None
    flow: str | None = None
    call_connection_id: str = field(default="", compare=False)


@dataclass(frozen=True)
class Connect:
    room_id: str | None = None
    group_call_id: str | None = None
    server_call_id: str | None = None
    context: str | None = None
    flow: str | None = None
    call_connection_id: str = field(default="", compare=False)


@dataclass(frozen=True)
class Play:
    text: str
    context: str | None = None
    to: str = "all"
    loop: bool = False
    locale: str | None = None
    voice: str | None = None
    interrupt: bool = False


@dataclass(frozen=True)
class Recognize:
    text: str | None
    context: str | None = None
    kind: str = "dtmf"
    max_tones: int | None = 1
    stop_tones: str | None = None
    interrupt_prompt: bool = True
    initial_silence_timeout: int | None = 5
    choices: tuple[str, ...] = ()
    target: str | None = None
    locale: str | None = None
    voice: str | None = None
    inter_tone_timeout: int | None = None
    speech_language: str | None = None


@dataclass(frozen=True)
class Transfer:
    target: str
    context: str | None = None
    sip_headers: Headers = ()
    voip_headers: Headers = ()
    transferee: str | None = None


@dataclass(frozen=True)
class AddParticipant:
    target: str
    caller_id: str | None = None
    context: str | None = None
    invitation_timeout: int | None = None
    display_name: str | None = None
    sip_headers: Headers = ()
    voip_headers: Headers = ()


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
    context: str | None = None


@dataclass(frozen=True)
class HangUp:
    for_everyone: bool = True


@dataclass(frozen=True)
class Hold:
    target: str
    music: str | None = None
    context: str | None = None


@dataclass(frozen=True)
class Unhold:
    target: str
    context: str | None = None


@dataclass(frozen=True)
class StartContinuousDtmf:
    target: str
    context: str | None = None


@dataclass(frozen=True)
class StopContinuousDtmf:
    target: str
    context: str | None = None


@dataclass(frozen=True)
class SendDtmf:
    tones: str
    target: str
    context: str | None = None


@dataclass(frozen=True)
class CancelMedia:
    pass


@dataclass(frozen=True)
class StartRecording:
    recording_id: str = field(default="", compare=False)
    content: str = "audio"
    channel: str = "mixed"
    format: str = "wav"


@dataclass(frozen=True)
class StopRecording:
    recording_id: str


@dataclass(frozen=True)
class ListParticipants:
    pass


@dataclass(frozen=True)
class GetParticipant:
    target: str


@dataclass(frozen=True)
class GetProperties:
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
