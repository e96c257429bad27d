"""Lifecycle kit: logs how every call ends. Included as a common router, so it sees every flow's calls.

The dispatcher deletes a call's state after ``CallDisconnected``; this kit only reports.
"""

from __future__ import annotations

from app import Log, Router
from app.events import CallDisconnected, CreateCallFailed

router = Router(name="lifecycle")


@router.call_disconnected()
async def call_ended(event: CallDisconnected, log: Log) -> None:
    log.info("call_ended", code=event.result_code, sub_code=event.sub_code)


@router.create_call_failed()
async def call_not_placed(event: CreateCallFailed, log: Log) -> None:
    log.warning("call_not_placed", code=event.result_code, sub_code=event.sub_code)
