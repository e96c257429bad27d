"""``ScriptedCall``: one call, driven and checked like a call script.

Every ``expect_*`` waits for the next matching step *after the script's cursor* and moves the cursor there;
``press``, ``say`` and ``hang_up`` act as a phone and move the cursor to what they did. Waits are in simulated
seconds (scaled by the emulator's time scale) plus a small real-time floor, so slow machines do not flake.

Example::

    call = await phone.dial("+18005550102", from_="+15551230001")
    await call.expect_prompt(contains="press 1")
    await call.press("1")
    await call.expect_transfer(to="+18005550199")
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from app.diagrams.emulator import from_emulator
from app.diagrams.mermaid import render_mermaid
from app.diagrams.model import Step, display_id, raw_of
from app.testing import expectations as expect
from app.testing.expectations import Expectation
from app.testing.timeline_view import format_timeline
from simulator.client import SimulatorClient, SimulatorError

T = TypeVar("T")
DEFAULT_TIMEOUT = 60.0  # simulated seconds
REAL_FLOOR = 2.0  # real seconds added to every wait
_POLL_FIRST, _POLL_MAX = 0.01, 0.05

DiagramSaver = Callable[[str, str], Path | None]


class ScriptedCall:
    """A call seen from one phone (``party``), with a cursor into its timeline."""

    def __init__(
        self,
        emulator: SimulatorClient,
        server_call_id: str,
        *,
        party: str | None,
        name: str,
        time_scale: float,
        timeout: float = DEFAULT_TIMEOUT,
        save_diagram: DiagramSaver | None = None,
    ) -> None:
        self.server_call_id = server_call_id
        self.party = raw_of(party) if party else None
        self.name = name
        self.time_scale = time_scale
        self.timeout = timeout
        self.cursor = 0.0
        self.steps: list[Step] = []
        self._emulator = emulator
        self._consumed: set[str] = set()
        self._save_diagram = save_diagram

    def __repr__(self) -> str:
        return f"<ScriptedCall {self.name} {self.server_call_id}>"

    # ----- what the app does ------------------------------------------------------------------------------------
    async def expect_prompt(
        self, contains: str | None = None, *, matches: str | None = None, within: float | None = None
    ) -> Step:
        """The next play or recognize whose prompt text contains ``contains`` / matches the regex ``matches``."""
        return await self.expect(expect.prompt(contains, matches), within=within)

    async def expect_answered(self, *, within: float | None = None) -> Step:
        return await self.expect(expect.action("answer", "the app to answer"), within=within)

    async def expect_rejected(self, reason: str | None = None, *, within: float | None = None) -> Step:
        return await self.expect(expect.rejected(reason), within=within)

    async def expect_redirect(self, to: str | None = None, *, within: float | None = None) -> Step:
        return await self.expect(expect.action("redirect", "a redirect", to=to), within=within)

    async def expect_transfer(self, to: str | None = None, *, within: float | None = None) -> Step:
        return await self.expect(expect.action("transfer", "a transfer", to=to), within=within)

    async def expect_added(self, to: str | None = None, *, within: float | None = None) -> Step:
        return await self.expect(expect.action("addParticipant", "an added participant", to=to), within=within)

    async def expect_action(self, name: str, *, to: str | None = None, within: float | None = None) -> Step:
        """Any request by its wire operation name: ``mute``, ``listParticipants``, ``cancelAddParticipant``..."""
        return await self.expect(expect.action(name, f"the action {name}", to=to), within=within)

    async def expect_recording(self, state: str = "started", *, within: float | None = None) -> Step:
        """``state``: ``started`` (startRecording), ``stopped``, ``paused`` or ``resumed``."""
        operations = {"started": "startRecording", "stopped": "stopRecording"}
        name = operations.get(state, f"{state.removesuffix('d')}Recording")
        return await self.expect(expect.action(name, f"the recording to be {state}"), within=within)

    async def expect_event(self, name: str, *, result: str | None = None, within: float | None = None) -> Step:
        """The next callback of this type, e.g. ``"PlayCompleted"``; ``result`` like ``"486/8539"`` or ``"1"``."""
        return await self.expect(expect.event(name, result=result), within=within)

    async def expect_hangup(self, *, within: float | None = None) -> Step:
        """The app hangs up, or the call ends."""
        return await self.expect(expect.hangup(), within=within)

    async def stay_silent(self, *, within: float | None = None) -> Step:
        """Say and press nothing until the running recognize gives up (the next ``RecognizeFailed``)."""
        return await self.expect(expect.event("RecognizeFailed"), within=within)

    async def expect(self, wanted: Expectation, *, within: float | None = None) -> Step:
        """Wait for the next step matching ``wanted`` after the cursor; AssertionError with the timeline if none."""
        deadline = self._deadline(within)
        steps = await self._until(lambda steps: self._first(wanted, steps) is not None, deadline)
        found = self._first(wanted, steps)
        if found is None:
            raise self._failure(f"Expected {wanted.description}", within)
        self._advance(found)
        return found

    # ----- what the phone does ----------------------------------------------------------------------------------
    async def press(
        self, digits: str, *, by: str | None = None, wait: bool = True, within: float | None = None
    ) -> Step:
        """Press keys. With ``wait`` (the default) first wait until a recognize is listening, and press again if
        the one seen had just ended; ``wait=False`` presses at once."""
        who = self._who(by)
        await self._input(
            who, f"press {digits}", lambda: self._emulator.press(self.server_call_id, who, digits), wait, within
        )
        return await self._own_step(who, f"press {digits[-1].upper()}", f"press {digits}")

    async def say(self, text: str, *, by: str | None = None, wait: bool = True, within: float | None = None) -> Step:
        """Speak ``text`` to a listening speech recognize (same waiting rules as :meth:`press`)."""
        who = self._who(by)
        await self._input(
            who, f"say {text!r}", lambda: self._emulator.say(self.server_call_id, who, text), wait, within
        )
        return await self._own_step(who, "say", f"say {text!r}")

    async def hang_up(self, *, by: str | None = None) -> Step:
        """The phone hangs up."""
        who = self._who(by)
        await self._control(self._emulator.hang_up_party(self.server_call_id, who), f"{display_id(who)} hang up")
        return await self._own_step(who, "hang up", "hang up")

    # ----- reading --------------------------------------------------------------------------------------------------
    async def timeline(self) -> list[Step]:
        """Everything that happened in the call so far, in causal order."""
        return await self._refresh()

    async def diagram(self) -> str:
        """The call as a Mermaid sequence diagram."""
        return render_mermaid(await self._refresh(), title=self.name)

    def format(self) -> str:
        """The last fetched timeline as numbered lines, with the cursor marked."""
        return format_timeline(self.steps, time_scale=self.time_scale, cursor=self.cursor)

    # ----- plumbing --------------------------------------------------------------------------------------------------
    def _who(self, by: str | None) -> str:
        who = raw_of(by) if by else self.party
        if who is None:
            raise ValueError(f"{self.name} has no phone of its own: pass by='+1555...'")
        return who

    def real_timeout(self, within: float | None = None) -> float:
        """How long an expectation waits in real seconds: simulated seconds × time scale + a real-time floor."""
        simulated = self.timeout if within is None else within
        return simulated * self.time_scale + REAL_FLOOR

    def _deadline(self, within: float | None) -> float:
        return asyncio.get_running_loop().time() + self.real_timeout(within)

    async def _input(
        self, who: str, what: str, send: Callable[[], Awaitable[bool]], wait: bool, within: float | None
    ) -> None:
        deadline = self._deadline(within)
        while True:
            if wait:
                steps = await self._until(lambda s: expect.listening(s) or expect.ended(s), deadline)
                if not expect.listening(steps):
                    ending = "the call ended" if expect.ended(steps) else "nothing was listening"
                    raise self._failure(f"Expected a recognize listening for {what!r}, but {ending}", within)
            before = expect.count_recognizes(self.steps)
            heard = await self._control(send(), f"{display_id(who)} {what}")
            if heard or not wait:
                return
            # The recognize seen had already ended (its callback was still on the way): wait for the next one.
            await self._until(_more_recognizes(before), deadline)
            if expect.count_recognizes(self.steps) <= before:
                raise self._failure(f"Expected a recognize to hear {what!r}; none did", within)

    async def _own_step(self, who: str, name: str, what: str) -> Step:
        steps = await self._refresh()
        mine = [s for s in steps if s.kind == "party" and s.actor == who and s.name == name]
        if not mine:
            raise self._failure(f"Expected the emulator to record {what!r} by {display_id(who)}", 0)
        step = max(mine, key=lambda s: s.seq)
        self._advance(step)
        return step

    async def _control(self, operation: Awaitable[T], what: str) -> T:
        try:
            return await operation
        except SimulatorError as error:
            await self._refresh()
            raise self._failure(f"The emulator refused {what!r}: {error}", 0) from None

    async def _until(self, done: Callable[[list[Step]], bool], deadline: float) -> list[Step]:
        """Poll until ``done(steps)``, the deadline, or the call has ended and gone quiet."""
        loop = asyncio.get_running_loop()
        delay, quiet = _POLL_FIRST, max(0.3, 5 * self.time_scale)
        seen, since = -1, loop.time()
        while True:
            steps = await self._refresh()
            if done(steps):
                return steps
            now = loop.time()
            if len(steps) != seen:
                seen, since = len(steps), now
            elif expect.ended(steps) and now - since > quiet:
                return steps
            if now > deadline:
                return steps
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, _POLL_MAX)

    async def _refresh(self) -> list[Step]:
        info = await self._emulator.get_call(self.server_call_id)
        self.steps = from_emulator([entry.to_json() for entry in info.timeline])
        return self.steps

    def _first(self, wanted: Expectation, steps: list[Step]) -> Step | None:
        for step in steps:
            if (
                step.position <= self.cursor
                or _key(step) in self._consumed
                or (step.event_id is not None and step.event_id in self._consumed)
            ):
                continue
            if wanted.matches(step):
                return step
        return None

    def _advance(self, step: Step) -> None:
        self.cursor = max(self.cursor, step.position)
        self._consumed.add(_key(step))
        if step.event_id:
            self._consumed.add(step.event_id)

    def _failure(self, expected: str, within: float | None) -> AssertionError:
        waited = self.timeout if within is None else within
        lines = [
            f"{expected} after step {self._cursor_number()} of {self.name}"
            + (f" (waited up to {waited:g} simulated s)." if waited else "."),
            f"Call {self.server_call_id}; times in simulated seconds:",
            self.format(),
        ]
        if self._save_diagram is not None:
            path = self._save_diagram(self.name, render_mermaid(self.steps, title=self.name))
            if path is not None:
                lines.append(f"Sequence diagram: {path}")
        return AssertionError("\n".join(lines))

    def _cursor_number(self) -> int:
        return sum(1 for step in self.steps if step.position <= self.cursor)


def _key(step: Step) -> str:
    return f"seq:{step.seq}"


def _more_recognizes(before: int) -> Callable[[list[Step]], bool]:
    def check(steps: list[Step]) -> bool:
        return expect.count_recognizes(steps) > before or expect.ended(steps)

    return check
