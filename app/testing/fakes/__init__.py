"""Test doubles for kit and flow tests: typed action records, ``FakeCallActions``/``FakeAcs``, ``CallScript``.

Example::

    app, acs = make_app(make_settings(force_open=True), support_line.router)
    call = CallScript(app, acs)
    await call.incoming(to="+18005550100")
    await call.connected()
    await call.press("1")
    assert isinstance(call.last, Recognize)
"""

from app.testing.fakes.acs import FakeAcs, FakeCallActions
from app.testing.fakes.offline import CallScript, make_app, make_settings
from app.testing.fakes.records import (
    AddParticipant,
    Answer,
    CancelAddParticipant,
    CancelMedia,
    Connect,
    HangUp,
    Hold,
    ListParticipants,
    Mute,
    Play,
    Recognize,
    Redirect,
    Reject,
    RemoveParticipant,
    StartContinuousDtmf,
    StartRecording,
    StopContinuousDtmf,
    StopRecording,
    Transfer,
    Unhold,
    spoken,
)

__all__ = [
    "AddParticipant",
    "Answer",
    "CallScript",
    "CancelAddParticipant",
    "CancelMedia",
    "Connect",
    "FakeAcs",
    "FakeCallActions",
    "HangUp",
    "Hold",
    "ListParticipants",
    "Mute",
    "Play",
    "Recognize",
    "Redirect",
    "Reject",
    "RemoveParticipant",
    "StartContinuousDtmf",
    "StartRecording",
    "StopContinuousDtmf",
    "StopRecording",
    "Transfer",
    "Unhold",
    "make_app",
    "make_settings",
    "spoken",
]
