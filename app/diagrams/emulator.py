"""Steps from the emulator's call timeline (``GET /simulator/calls/{serverCallId}``), in causal order.

The emulator numbers its entries in causal order at the source (a request when it arrives, a callback when it is
sent), so the order of ``seq`` is the order of the diagram.

Example::

    call = httpx.get(f"{emulator}/simulator/calls/{server_call_id}").json()
    steps = from_emulator(call)         # or from_emulator(call["timeline"])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.diagrams.model import Step, StepKind, short_type
from app.events.media_events import TONE_DIGITS

_KINDS: dict[str, StepKind] = {
    "request": "action",
    "callback": "event",
    "incoming_call": "incoming_call",
    "party": "party",
    "note": "note",
}
_TARGET_FIELDS = (
    "targetParticipant",
    "target",
    "participantToAdd",
    "participantToRemove",
    "targets",
    "targetParticipants",
    "playTo",
)


def from_emulator(data: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> list[Step]:
    """Steps of one call: ``data`` is the control API's call JSON (with ``timeline``) or its list of entries."""
    entries: Sequence[Mapping[str, Any]] = data.get("timeline", []) if isinstance(data, Mapping) else data
    steps = [_step(entry) for entry in entries if entry.get("kind") != "media"]
    return sorted(steps, key=lambda step: step.seq)


def _step(entry: Mapping[str, Any]) -> Step:
    kind = _KINDS.get(str(entry.get("kind")), "note")
    detail: Mapping[str, Any] = entry.get("detail") or {}
    name = str(entry.get("name", ""))
    fields: dict[str, Any] = {}
    if kind == "action":
        body: Mapping[str, Any] = detail.get("body") or {}
        target = _target(body) or detail.get("participant")
        fields = {"status": detail.get("status"), "target": target, "text": _prompt(body)}
        if body.get("callRejectReason"):
            fields["result"] = str(body["callRejectReason"])
    elif kind in ("event", "incoming_call"):
        event: Mapping[str, Any] = detail.get("event") or {}
        name = short_type(str(event.get("type") or event.get("eventType") or name))
        fields = {
            "status": detail.get("status"),
            "attempt": detail.get("attempt"),
            "event_id": event.get("id"),
            "result": _result(event.get("data") or {}),
        }
    elif kind == "party":
        name, fields = _party(name, detail)
    return Step(
        position=int(entry["seq"]),
        seq=int(entry["seq"]),
        at=float(entry.get("at", 0.0)),
        kind=kind,
        actor=str(entry.get("actor", "")),
        name=name,
        server_call_id=entry.get("server_call_id"),
        call_connection_id=entry.get("call_connection_id"),
        raw=entry,
        **fields,
    )


def _party(name: str, detail: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    verb, _, rest = name.partition(" ")
    if verb == "press" and rest in TONE_DIGITS:
        return f"press {TONE_DIGITS[rest]}", {}
    if verb == "say":
        return "say", {"text": rest}
    if name == "dial":
        return name, {"target": detail.get("to")}
    return name, {}


def identifier_raw_id(value: Any) -> str | None:
    """The raw id of a wire identifier (``{"rawId": ...}``, ``{"phoneNumber": {"value": ...}}``, ...)."""
    if not isinstance(value, Mapping):
        return None
    if value.get("rawId"):
        return str(value["rawId"])
    phone = value.get("phoneNumber")
    if isinstance(phone, Mapping) and phone.get("value"):
        return f"4:{phone['value']}"
    user = value.get("communicationUser")
    if isinstance(user, Mapping) and user.get("id"):
        return str(user["id"])
    return None


def _target(body: Mapping[str, Any]) -> str | None:
    for name in _TARGET_FIELDS:
        value = body.get(name)
        if isinstance(value, list):
            ids = [raw for raw in (identifier_raw_id(item) for item in value) if raw]
            if ids:
                return ", ".join(ids)
        elif (raw := identifier_raw_id(value)) is not None:
            return raw
    return None


def _prompt(body: Mapping[str, Any]) -> str | None:
    sources: list[Any] = []
    for name in ("playPrompt", "playPrompts", "playSources"):
        value = body.get(name)
        sources.extend(value if isinstance(value, list) else [value] if value else [])
    texts = [text for text in (_source_text(source) for source in sources) if text]
    return " ".join(texts) if texts else None


def _source_text(source: Any) -> str | None:
    if not isinstance(source, Mapping):
        return None
    for kind, key in (("text", "text"), ("ssml", "ssmlText"), ("file", "uri")):
        inner = source.get(kind)
        if isinstance(inner, Mapping) and inner.get(key):
            return str(inner[key])
    return None


def _result(data: Mapping[str, Any]) -> str | None:
    tones = (data.get("dtmfResult") or {}).get("tones") if isinstance(data.get("dtmfResult"), Mapping) else None
    if tones:
        return "".join(TONE_DIGITS.get(str(tone).lower(), str(tone)) for tone in tones)
    speech = data.get("speechResult")
    if isinstance(speech, Mapping) and speech.get("speech"):
        return f'"{speech["speech"]}"'
    info = data.get("resultInformation")
    if isinstance(info, Mapping):
        code = info.get("code")
        if isinstance(code, int) and code >= 300:
            return f"{code}/{info.get('subCode', 0)}"
    return None
