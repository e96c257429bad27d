"""``CallScript``: feed one call's events (wire dicts, parsed) to ``app.dispatch``; app and settings factories."""

from __future__ import annotations

import itertools
from typing import Any, TypeVar, cast

from app.dispatch import session_key, shared_key
from app.events import CallEvent, parse_event
from app.session import CallSession
from app.testing.fakes.acs import FakeAcs
from app.web.app import CallwrightApp
from config.settings import Settings

A = TypeVar("A")


# --- call scripts ---------------------------------------------------------------------------------------------------


class CallScript:
    """Feeds realistic events (built as wire dicts and parsed) for one call to ``app.dispatch``.

    ``call_id`` and ``server_id`` identify the call; each callback echoes the context the test passes, or by default
    the context of the last recognize/play/transfer/invite the fake recorded for this call.
    """

    def __init__(
        self,
        app: CallwrightApp,
        acs: FakeAcs,
        *,
        call_id: str = "call-a",
        caller: str = "+15555550123",
        flow: str | None = None,
    ) -> None:
        self.app, self.acs = app, acs
        self.call_id = call_id
        self.server_id = f"server-{call_id}"
        self.caller = caller
        self.flow = flow
        self._seed: str | None = None
        self._events = itertools.count(1)

    @property
    def actions(self) -> list[object]:
        return self.acs.actions_of(self.call_id)

    @property
    def last(self) -> object:
        mine = self.actions
        return mine[-1] if mine else None

    def last_of(self, kind: type[A]) -> A:
        found = [action for action in self.actions if isinstance(action, kind)]
        assert found, f"no {kind.__name__} in {self.actions}"
        return found[-1]

    @property
    def flow_name(self) -> str | None:
        """The flow this call is bound to (read from the recorded actions' contexts: ``<flow>.<kit>:...``)."""
        context = self.context()
        return context.split(".", 1)[0] if context else None

    async def state(self) -> dict[str, Any]:
        """The flow's saved state of this call connection (a copy; empty once the call ended)."""
        return (await self.session()).state

    async def session(self) -> CallSession:
        """The call connection's saved session (a copy)."""
        store = self.app.state.store
        document = await store.read(session_key(self.call_id))
        return CallSession.from_document(document.value)

    async def shared(self, key: str) -> dict[str, Any]:
        """The shared state flows name ``key`` (``session.shared(key)``), as saved (a copy; empty if none)."""
        document = await self.app.state.store.read(shared_key(key))
        return document.value or {}

    async def seed(self, flow: str, *, party: str | None = None, state: dict[str, Any] | None = None) -> None:
        """As ``POST /api/calls`` does before dialing: store the call's initial session (its flow, the callee and
        the trigger's state); the call's next event takes it."""
        self._seed = f"seed-{self.call_id}"
        initial = CallSession(flow=flow, party=party, state=dict(state or {}))
        await self.app.state.store.put_seed(self._seed, initial.to_document(), 600)

    def context(self) -> str | None:
        for action in reversed(self.actions):
            found = getattr(action, "context", None)
            if found is not None:
                return cast(str, found)
        return None

    # --- events ---

    async def incoming(self, to: str) -> object:
        event = parse_event(
            {
                "id": f"{self.call_id}-ic",
                "eventType": "Microsoft.Communication.IncomingCall",
                "data": {
                    "to": {"rawId": f"4:{to}", "phoneNumber": {"value": to}},
                    "from": {"rawId": f"4:{self.caller}", "phoneNumber": {"value": self.caller}},
                    "incomingCallContext": f"ctx-{self.call_id}",
                    "serverCallId": self.server_id,
                },
            }
        )
        # The fake answers with the id the test chose, so later callbacks line up.
        self.acs.answer_ids[f"ctx-{self.call_id}"] = self.call_id
        return await self._dispatch(event)

    async def send(
        self, name: str, *, context: str | None | bool = True, flow: str | None = None, **data: Any
    ) -> object:
        """Dispatch ``Microsoft.Communication.<name>``; ``context=True`` echoes the last action's context."""
        echoed = self.context() if context is True else (context or None)
        payload: dict[str, Any] = {"callConnectionId": self.call_id, "serverCallId": self.server_id, **data}
        if echoed is not None:
            payload["operationContext"] = echoed
        event = parse_event(
            {
                "id": f"{self.call_id}-{next(self._events)}",
                "type": f"Microsoft.Communication.{name}",
                "source": f"calling/callConnections/{self.call_id}",
                "specversion": "1.0",
                "data": payload,
            }
        )
        return await self._dispatch(event, flow=flow)

    async def connected(self, context: str | None | bool = True) -> object:
        return await self.send("CallConnected", context=context)

    async def press(self, keys: str) -> object:
        tones = [_TONES[key] for key in keys]
        return await self.send(
            "RecognizeCompleted",
            recognitionType="dtmf",
            dtmfResult={"tones": tones},
            resultInformation={"code": 200, "subCode": 8531, "message": "Max digits received."},
        )

    async def choose(self, label: str) -> object:
        return await self.send(
            "RecognizeCompleted",
            recognitionType="choices",
            choiceResult={"label": label, "recognizedPhrase": label},
            resultInformation={"code": 200, "subCode": 8545, "message": "Speech option matched."},
        )

    async def silence(self) -> object:
        return await self.send(
            "RecognizeFailed", resultInformation={"code": 400, "subCode": 8510, "message": "Initial silence timeout."}
        )

    async def play_completed(self) -> object:
        return await self.send("PlayCompleted", resultInformation={"code": 200, "subCode": 0, "message": "ok"})

    async def tone(self, key: str, sequence: int) -> object:
        return await self.send("ContinuousDtmfRecognitionToneReceived", tone=_TONES[key], sequenceId=sequence)

    async def failed(self, name: str, code: int, sub_code: int, message: str = "failed") -> object:
        return await self.send(name, resultInformation={"code": code, "subCode": sub_code, "message": message})

    async def disconnected(self, code: int = 200, sub_code: int = 7000) -> object:
        return await self.send(
            "CallDisconnected", context=None, resultInformation={"code": code, "subCode": sub_code, "message": "end"}
        )

    async def _dispatch(self, event: CallEvent, *, flow: str | None = None) -> object:
        self.acs.handling = self.call_id
        try:
            return await self.app.dispatch(event, flow=flow or self.flow, seed=self._seed)
        finally:
            self.acs.handling = None


_TONES = {
    "0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six", "7": "seven",
    "8": "eight", "9": "nine", "*": "asterisk", "#": "pound",
}  # fmt: skip


def make_settings(**ivr: Any) -> Settings:
    """Settings for kit and flow tests: development defaults, unauthenticated callbacks, IVR overrides."""
    from config.ivr import IvrSettings

    return Settings(allow_unauthenticated_callbacks=True, ivr=IvrSettings(**ivr))


def make_app(settings: Settings, *flows: Any, extras: dict[str, Any] | None = None) -> tuple[CallwrightApp, FakeAcs]:
    """An app over ``flows`` (routers) with fake actions: ``(app, acs)``."""
    from app.web.app import create_app

    acs = FakeAcs(settings)
    app = create_app(settings, flows=list(flows), common=[], extras=extras, actions=acs.factory)
    return app, acs
