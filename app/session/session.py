"""``CallSession``: everything the framework and a flow keep about one call connection, in one typed owner.

The dispatcher loads a session before the handler runs and commits it after (one store operation); handlers
ask for it as ``session`` (or just its ``state``), and ``CallActions`` changes it when an action changes the call
(``answer`` binds it, ``set_language`` sets the language). Nothing else writes it.

Example::

    @router.recognize_completed(context=Menu)
    async def choose(session: CallSession, event: RecognizeCompleted) -> None:
        session.state["choice"] = event.digits                  # this call connection only
        room = await session.shared("room:" + session.state["room"])
        room.setdefault("guests", []).append(session.party)     # every call naming "room:..." sees it
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from app.errors import CallwrightError
from app.session.ledger import ActionLedger
from app.state.base import JsonObject

SharedLoader = Callable[[str], Awaitable[dict[str, Any]]]
"""How a session reaches shared state: the dispatcher's ``lock + load`` of ``shared:<key>``."""

_BINDING = ("flow", "party", "call_connection_id", "server_call_id", "answered", "locale", "voice")
_MAX_SHARED_KEY = 200


class SharedStateUnavailable(CallwrightError):
    """``session.shared()`` was used outside a handler (a session the dispatcher does not own), or the key is bad."""


@dataclass
class CallSession:
    """One call connection's binding, language and state.

    - **Binding**: ``flow`` (the flow that owns the call), ``party`` (raw id of the remote party: the caller, or
      the callee of an outbound call), ``call_connection_id``, ``server_call_id``, ``answered``.
    - **Language**: ``locale`` and ``voice``, the defaults of every prompt (``call.set_language`` sets them).
    - **state**: the flow's own JSON-able dict for this call connection (the ``state`` handlers receive).
    - **shared state**: ``await session.shared(key)``, see :meth:`shared`.

    ``incoming_call_context`` is the ringing call's context (an IncomingCall only); it is never stored.
    """

    flow: str | None = None
    party: str | None = None
    call_connection_id: str | None = None
    server_call_id: str | None = None
    answered: bool = False
    locale: str | None = None
    voice: str | None = None
    state: dict[str, Any] = field(default_factory=dict)
    incoming_call_context: str | None = field(default=None, repr=False)
    ledger: ActionLedger = field(default_factory=ActionLedger, repr=False, compare=False)
    """Positions, repeatability ids and journal of this event's actions (the dispatcher sets it per event)."""
    _shared_loader: SharedLoader | None = field(default=None, repr=False, compare=False)
    _shared: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False, compare=False)

    # --- what actions change ----------------------------------------------------------------------------------

    def bind(self, call_connection_id: str, server_call_id: str | None) -> None:
        """The call was answered: from now on the session belongs to ``call_connection_id``."""
        self.call_connection_id = call_connection_id
        self.server_call_id = server_call_id or self.server_call_id
        self.answered = True

    def set_language(self, locale: str, voice: str | None = None) -> None:
        self.locale, self.voice = locale, voice

    # --- shared state -----------------------------------------------------------------------------------------

    async def shared(self, key: str) -> dict[str, Any]:
        """The shared state named ``key`` (a dict, empty the first time), visible to every call that names it.

        The first call in a handler takes the key's lock (waiting, in order, for any other call holding it) and
        loads it; the dict is saved, and the lock released, together with the session when the handler returns.
        So two calls cannot lose each other's updates. Asking again for the same key returns the same dict. An
        emptied dict is deleted. Take several keys in one fixed order (sorted, say) to keep calls from waiting
        on each other in a circle.

        Example::

            room = await session.shared(f"room:{ctx.room}")
            guests = room.setdefault("guests", [])
            guests.append(call.call_connection_id)
        """
        if not isinstance(key, str) or not key or len(key) > _MAX_SHARED_KEY:
            raise SharedStateUnavailable(f"a shared-state key is a non-empty string of at most {_MAX_SHARED_KEY}")
        found = self._shared.get(key)
        if found is not None:
            return found
        if self._shared_loader is None:
            raise SharedStateUnavailable(
                "shared state is available to handlers only (this session is not owned by the dispatcher)"
            )
        loaded = await self._shared_loader(key)
        self._shared[key] = loaded
        return loaded

    @property
    def shared_taken(self) -> dict[str, dict[str, Any]]:
        """The shared state this session took, by key (the dispatcher commits it)."""
        return self._shared

    # --- the stored form ----------------------------------------------------------------------------------------

    def to_document(self) -> JsonObject:
        """The JSON document the store keeps (everything but the incoming call context and shared state)."""
        document: JsonObject = {name: getattr(self, name) for name in _BINDING if getattr(self, name)}
        document["state"] = self.state
        return document

    @classmethod
    def from_document(cls, document: JsonObject | None, **overrides: Any) -> CallSession:
        """Rebuild a session from :meth:`to_document` (``None``: a new one); ``overrides`` win over the stored
        fields that are ``None`` (the event's ids, the URL's flow)."""
        stored = document or {}
        values: dict[str, Any] = {name: stored.get(name) for name in _BINDING}
        values["answered"] = bool(values["answered"])
        for name, value in overrides.items():
            if values.get(name) is None or name == "incoming_call_context":
                values[name] = value
        state = stored.get("state")
        return cls(**values, state=dict(state) if isinstance(state, dict) else {})

    def detached(self, call_connection_id: str) -> CallSession:
        """A session for another call connection of the same flow, party and language (``for_connection``); it
        is not loaded from, nor saved to, the store."""
        return CallSession(
            flow=self.flow,
            party=self.party,
            call_connection_id=call_connection_id,
            locale=self.locale,
            voice=self.voice,
        )
