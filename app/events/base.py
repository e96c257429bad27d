"""The base of every typed event: envelope facts, the common ACS data fields, and result helpers.

Example::

    event.type                 # "Microsoft.Communication.PlayFailed"
    event.call_connection_id   # "2c006980-8ef1-46c2-84fa-357fefac0893"
    event.context              # the raw operationContext string, e.g. "menu:2"
    event.is_failure, event.is_timeout, event.sub_code
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationError, ValidatorFunctionWrapHandler, field_validator

from app.events.wire import WireModel

# Subcodes ACS uses for "nobody answered / pressed nothing in time" (the resultInformation codes of
# https://learn.microsoft.com/azure/communication-services/how-tos/call-automation/control-mid-call-media-actions).
TIMEOUT_SUB_CODES = frozenset({8510, 8532, 8570, 10057})

Envelope = Literal["eventgrid", "cloudevents"]


class StatusDetails(WireModel):
    """SIP or Q.850 detail attached to a result (``sipDetails`` / ``q850Details``)."""

    code: int | None = None
    message: str | None = None


class ResultInformation(WireModel):
    """``resultInformation``: HTTP-like ``code``, ACS ``sub_code`` and a human message."""

    code: int | None = None
    sub_code: int | None = None
    message: str | None = None
    sip_details: StatusDetails | None = None
    q850_details: StatusDetails | None = None


class CallEvent(WireModel):
    """One event delivered to ``/Events``, typed. Subclasses set ``TYPE`` to the full wire type string.

    Example::

        @router.play_failed()
        async def retry(event: PlayFailed, call: CallActions) -> None:
            if event.sub_code == 8536:          # file could not be downloaded
                ...
    """

    TYPE: ClassVar[str] = ""

    id: str
    type: str
    time: datetime | None = None
    source: str | None = None
    subject: str | None = None
    envelope: Envelope = "cloudevents"
    call_connection_id: str | None = None
    server_call_id: str | None = None
    correlation_id: str | None = None
    operation_context: str | None = None
    result_information: ResultInformation | None = None
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    @field_validator("time", mode="wrap")
    @classmethod
    def _lenient_time(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> datetime | None:
        # The envelope time is informational: an odd format must not cost us the event.
        try:
            result: datetime | None = handler(value)
        except ValidationError:
            return None
        return result

    @property
    def context(self) -> str | None:
        """The raw ``operationContext`` string (typed parsing happens in routing: see ``OperationContext``)."""
        return self.operation_context

    @property
    def result_code(self) -> int | None:
        return self.result_information.code if self.result_information else None

    @property
    def sub_code(self) -> int | None:
        return self.result_information.sub_code if self.result_information else None

    @property
    def result_message(self) -> str | None:
        return self.result_information.message if self.result_information else None

    @property
    def is_failure(self) -> bool:
        """True for every ``*Failed`` event and for any result code of 400 or more."""
        code = self.result_code
        return self.type.endswith("Failed") or (code is not None and code >= 400)

    @property
    def is_timeout(self) -> bool:
        """True when the result says nobody acted in time (subcode 8510/8532/8570/10057, or code 408)."""
        return self.sub_code in TIMEOUT_SUB_CODES or self.result_code == 408

    @property
    def event_name(self) -> str:
        """The short name: ``"PlayFailed"`` for ``Microsoft.Communication.PlayFailed``."""
        return self.type.rsplit(".", 1)[-1]


class CallAutomationEvent(CallEvent):
    """A mid-call callback from ACS (CloudEvents); it always names its call connection."""

    call_connection_id: str


class UnknownEvent(CallEvent):
    """An event type Callwright does not model; kept with its raw data so a handler can still use it.

    Example::

        @router.unknown()
        async def log_it(event: UnknownEvent, log: Log) -> None:
            log.info("unmodelled_event", type=event.type, keys=sorted(event.raw))
    """

    @property
    def data(self) -> dict[str, Any]:
        return self.raw
