"""Safety kit: when a handler fails, apologise to the caller and hang up, without ever raising.

Install it once per flow router (error handlers belong to the router whose handler failed)::

    router = Router(name="support_line")
    Safety(router)

On any exception from a handler of that router (kit handlers included) it logs ``call_failed_safely`` and plays
the apology; the apology's ``PlayCompleted``/``PlayFailed`` hangs up. When the apology cannot be played it hangs up
at once; when the call is already gone (404/8522, 8501, 8528) or was never answered it only logs.
"""

from __future__ import annotations

from app import Log
from app.actions.call import CallActions
from app.actions.errors import CallActionError
from app.context import OperationContext
from app.routing import Router
from app.state.base import CallState
from handlers.farewell import Farewell
from handlers.prompting import Localized, PromptSpec

APOLOGY = Localized(
    {
        "en-US": "We're sorry, something went wrong on our side. Please call again later. Goodbye.",
        "es-MX": "Lo sentimos, algo salió mal de nuestro lado. Por favor llame más tarde. Adiós.",
    }
)
_CALL_GONE = frozenset({8501, 8522, 8528})


class Safety:
    """Registers ``router.error()`` for ``exceptions`` (default: any ``Exception``), and includes the farewell
    kit that plays the apology. Error handlers belong to the router whose handlers fail, and to its parents, so
    install it on the flow's own router: it covers the kits the flow includes too.

    Example::

        Safety(router, apology="Sorry, we have a problem. Goodbye.")
    """

    def __init__(
        self,
        router: Router,
        *,
        name: str = "safety",
        apology: PromptSpec = APOLOGY,
        exceptions: tuple[type[Exception], ...] = (Exception,),
    ) -> None:
        self.farewell = router.include(Farewell(name=name, message=apology))
        router.error(*exceptions)(self._on_error)

    async def _on_error(
        self,
        error: BaseException,
        call: CallActions | None,
        ctx: OperationContext | None,
        state: CallState | None,
        log: Log | None,
    ) -> None:
        try:
            if log is not None:
                log.warning("call_failed_safely", error=type(error).__name__)
            if not isinstance(call, CallActions) or not call.call_connection_id or _gone(error):
                return
            if ctx is not None and type(ctx) is self.farewell.Step:
                await _hang_up(call)  # the apology itself failed to end the call: just end it
                return
            try:
                await self.farewell.start(call, state)
            except Exception:
                await _hang_up(call)
        except Exception:  # never raise from the error handler
            if log is not None:
                log.error("safety_failed")


def _gone(error: object) -> bool:
    if isinstance(error, CallActionError):
        return error.is_not_found or error.sub_code in _CALL_GONE
    return False


async def _hang_up(call: CallActions) -> None:
    try:
        await call.hang_up(for_everyone=True)
    except Exception:
        return
