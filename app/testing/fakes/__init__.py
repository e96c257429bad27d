"""Fast tests for flows and kits: the real ``CallActions`` over a fake ACS, typed action records, ``CallScript``.

``FakeAcs`` answers the real SDK client's requests in-process (``transport.py``) and records each one as a typed
record read from its wire body (``records.py``), every field compared by ``==``. See ``acs.py`` for what the fake
does and does not check.

Example::

    app, acs = make_app(make_settings(force_open=True), support_line.router)
    call = CallScript(app, acs)
    await call.incoming(to="+18005550100")
    await call.connected()
    await call.press("1")
    assert isinstance(call.last, Recognize)
"""

from app.testing.fakes.acs import FakeAcs
from app.testing.fakes.offline import CallScript, make_app, make_settings
from app.testing.fakes.records import (
    AddParticipant,
    Answer,
    CancelAddParticipant,
    CancelMedia,
    Connect,
    CreateCall,
    GetParticipant,
    GetProperties,
    HangUp,
    Hold,
    ListParticipants,
    Mute,
    Play,
    Recognize,
    Redirect,
    Reject,
    RemoveParticipant,
    SendDtmf,
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
    "CreateCall",
    "FakeAcs",
    "GetParticipant",
    "GetProperties",
    "HangUp",
    "Hold",
    "ListParticipants",
    "Mute",
    "Play",
    "Recognize",
    "Redirect",
    "Reject",
    "RemoveParticipant",
    "SendDtmf",
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
