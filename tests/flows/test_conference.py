"""Conference moderator call scripts: outbound group calls and joining a room, through ``POST /api/calls``."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from app.testing.harness import Phone
from tests.flows.timeline_checks import acs_user

HOST = "+15555550101"
GUEST = "+15555550102"
CONFERENCE_NUMBER = "+18005550101"


@pytest.fixture
def callwright_flows() -> Sequence[str]:
    return ["flows.conference"]


async def test_group_call_mutes_acs_users_but_not_the_host_and_ends_when_the_host_leaves(phone: Phone) -> None:
    alice, bob = acs_user(phone, "alice"), acs_user(phone, "bob")
    call = await phone.trigger(
        "conference", to=[HOST, GUEST, alice, bob], caller_id=CONFERENCE_NUMBER, state={"host": f"4:{HOST}"}
    )
    await call.expect_action("createCall")
    await call.expect_event("CallConnected")
    await call.expect_action("getCall")  # the call's properties
    await call.expect_action("listParticipants")  # the roster
    await call.expect_action("getParticipant")  # the host's details
    muted = {(await call.expect_action("mute")).target for _ in range(2)}
    assert muted == {alice, bob}

    await call.hang_up(by=HOST)
    await call.expect_action("terminate")  # hang_up(for_everyone=True)
    await call.expect_event("CallDisconnected")
    steps = await call.timeline()
    muted_everyone = [s.target or "" for s in steps if s.kind == "action" and s.name == "mute"]
    assert sorted(muted_everyone) == sorted([alice, bob])  # PSTN phones and the host are left alone


async def test_connecting_to_a_room_takes_the_chair(phone: Phone) -> None:
    carol, dave = acs_user(phone, "carol"), acs_user(phone, "dave")
    room = await phone.emulator.create_room([carol, dave])
    call = await phone.trigger("conference", room_id=room, state={"host": carol})
    await call.expect_action("connect")
    await call.expect_event("CallConnected")
    await call.expect_action("listParticipants")
    mute = await call.expect_action("mute", to=dave)
    assert mute.target == dave
    await call.hang_up(by=carol)
    await call.expect_action("terminate")
