"""The real ``CallActions`` over the real SDK client, with only the HTTP transport faked (``FakeAcs``).

Each test reads back what went over the wire, so deleting an argument or a guard from an action makes it fail.
"""

from __future__ import annotations

import pytest

from app.actions.call import CallActions
from app.actions.errors import CallActionError
from app.session import CallSession
from app.testing.fakes import (
    AddParticipant,
    Answer,
    FakeAcs,
    HangUp,
    Play,
    Recognize,
    Redirect,
    Reject,
    Transfer,
    make_settings,
)

CALLER = "4:+15555550123"
RINGING = "ringing-call-context"


@pytest.fixture
def acs() -> FakeAcs:
    return FakeAcs(make_settings())


def ringing(acs: FakeAcs) -> CallActions:
    return acs.factory(CallSession(flow="f", party=CALLER, server_call_id="srv-1", incoming_call_context=RINGING))


def connected(acs: FakeAcs, **session: object) -> CallActions:
    binding: dict[str, object] = {"flow": "f", "party": CALLER, "call_connection_id": "cc-1", **session}
    return acs.factory(CallSession(**binding))  # type: ignore[arg-type]


async def test_transfer_sends_its_sip_and_voip_headers(acs: FakeAcs) -> None:
    call = connected(acs)
    await call.transfer(
        "+15555550199",
        sip_headers={"X-MS-Custom-Account": "12345678", "User-To-User": "abc;encoding=hex"},
        voip_headers={"tier": "gold"},
        context="xfer",
    )
    assert acs.actions_of("cc-1") == [
        Transfer(
            "4:+15555550199",
            "xfer",
            sip_headers=(("User-To-User", "abc;encoding=hex"), ("X-MS-Custom-Account", "12345678")),
            voip_headers=(("tier", "gold"),),
        )
    ]


async def test_add_participant_sends_every_field(acs: FakeAcs) -> None:
    call = connected(acs)
    result = await call.add_participant(
        "+15555550170", caller_id="+18005550100", invitation_timeout=25, sip_headers={"X-Case": "7"}, context="inv"
    )
    assert result.invitation_id
    assert acs.last == AddParticipant(
        "4:+15555550170", "+18005550100", "inv", invitation_timeout=25, sip_headers=(("X-Case", "7"),)
    )


async def test_redirect_needs_a_ringing_call_and_sends_nothing_otherwise(acs: FakeAcs) -> None:
    with pytest.raises(CallActionError, match="needs a ringing call"):
        await connected(acs).redirect("+15555550199")
    assert acs.log == []
    call = ringing(acs)
    await call.redirect("+15555550199")
    assert acs.log == [(None, Redirect("4:+15555550199"))]


async def test_redirect_and_reject_refuse_an_answered_call(acs: FakeAcs) -> None:
    call = ringing(acs)
    await call.answer(context="hello")
    with pytest.raises(CallActionError, match="already answered"):
        await call.redirect("+15555550199")
    with pytest.raises(CallActionError, match="already answered"):
        await call.reject("busy")
    assert acs.actions == [Answer("hello", flow="f")]


async def test_answer_binds_the_session_to_the_new_call_connection(acs: FakeAcs) -> None:
    acs.answer_ids[RINGING] = "cc-new"
    call = ringing(acs)
    await call.answer()
    assert (call.session.call_connection_id, call.session.answered) == ("cc-new", True)
    assert call.call_connection_id == "cc-new"
    await call.hang_up()
    assert acs.actions_of("cc-new") == [Answer(None, flow="f"), HangUp(for_everyone=True)]


async def test_reject_sends_its_reason(acs: FakeAcs) -> None:
    await ringing(acs).reject("busy")
    assert acs.actions == [Reject("busy")]


async def test_prompts_use_the_sessions_language_and_the_party_is_the_default_target(acs: FakeAcs) -> None:
    call = connected(acs)
    call.set_language("es-MX", "es-MX-DaliaNeural")
    assert (call.session.locale, call.session.voice) == ("es-MX", "es-MX-DaliaNeural")
    await call.play("Hola", context="p")
    await call.recognize_dtmf("Oprima 1", max_tones=2, stop_tones="#", context="r", initial_silence_timeout=7)
    assert acs.actions_of("cc-1") == [
        Play("Hola", "p", locale="es-MX", voice="es-MX-DaliaNeural"),
        Recognize(
            "Oprima 1", "r", max_tones=2, stop_tones="#", initial_silence_timeout=7, target=CALLER,
            locale="es-MX", voice="es-MX-DaliaNeural",
        ),
    ]  # fmt: skip


async def test_for_connection_keeps_party_language_and_flow(acs: FakeAcs) -> None:
    call = connected(acs, locale="es-MX", voice="es-MX-DaliaNeural")
    other = call.for_connection("cc-2")
    assert (other.call_connection_id, other.party, other.locale, other.voice, other.flow) == (
        "cc-2", CALLER, "es-MX", "es-MX-DaliaNeural", "f"
    )  # fmt: skip
    await other.play("Hola")
    assert acs.actions_of("cc-2") == [Play("Hola", locale="es-MX", voice="es-MX-DaliaNeural")]


async def test_an_acs_refusal_becomes_a_call_action_error_with_its_status_and_code(acs: FakeAcs) -> None:
    acs.fail["transfer"] = CallActionError("transfer", 403, "7504", "Insufficient permissions")
    with pytest.raises(CallActionError) as raised:
        await connected(acs).transfer("+15555550199")
    assert (raised.value.status, raised.value.sub_code, raised.value.message) == (403, 7504, "Insufficient permissions")
    assert acs.log == []


async def test_actions_on_a_call_without_a_connection_are_refused(acs: FakeAcs) -> None:
    with pytest.raises(CallActionError, match="no call connection yet"):
        await ringing(acs).play("too early")
    assert acs.log == []
