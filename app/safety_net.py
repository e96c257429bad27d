"""The framework's last line of defence: a handler failed and no error handler of its flow took the error, so the
caller hears an apology and the call ends, instead of silence until the caller gives up.

Every flow gets it unless its router opts out (``Router(name=..., safety_net=False)``); a flow's own
``@router.error`` handlers (the ``Safety`` kit, say) run first and, when they take the error, this does nothing.

Example::

    router = Router(name="survey", safety_net=False)   # this flow handles its own failures
"""

from __future__ import annotations

import structlog

from app.actions.call import CallActions
from app.actions.errors import CallActionError
from app.events import CallEvent

SAFETY_CONTEXT = "callwright.safety"
APOLOGY = "We're sorry, something went wrong on our side. Please call again later. Goodbye."
_DONE_TYPES = frozenset(
    {
        "Microsoft.Communication.PlayCompleted",
        "Microsoft.Communication.PlayFailed",
        "Microsoft.Communication.PlayCanceled",
    }
)
_CALL_GONE = frozenset({8501, 8522, 8528})


def apology_finished(event: CallEvent) -> bool:
    """True for the end of the safety net's own apology: time to hang up."""
    return event.type in _DONE_TYPES and event.operation_context == SAFETY_CONTEXT


async def apologise(call: CallActions) -> None:
    """Play the apology (its end hangs up, see :func:`hang_up`); hang up at once if it cannot be played. Never
    raises: the call may already be gone."""
    log = structlog.get_logger("callwright.dispatch")
    if not call.call_connection_id:
        log.warning("safety_net_no_call", reason="the call was never answered")
        return
    log.warning("safety_net_apology")
    try:
        await call.play(APOLOGY, context=SAFETY_CONTEXT)
    except CallActionError as error:
        if not (error.is_not_found or error.sub_code in _CALL_GONE):
            await hang_up(call)
    except Exception:
        await hang_up(call)


async def hang_up(call: CallActions) -> None:
    """End the call for everyone, quietly (it may already be over)."""
    try:
        await call.hang_up(for_everyone=True)
    except Exception:
        structlog.get_logger("callwright.dispatch").info("safety_net_hang_up_failed")
