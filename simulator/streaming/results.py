"""``resultInformation`` and the status objects of the Transcription* and MediaStreaming* callbacks.

Success texts and status names are those of the 2026-03-12 SDK live-test captures; failure codes follow the
SDK's Java fixtures (``MediaStreamingFailed`` 500/8603, ``streamConnectionUnsuccessful``). See simulator/README.md.
"""

from __future__ import annotations

from typing import Any

COMPLETED = {"code": 200, "subCode": 0, "message": "Action completed successfully."}
CONNECT_FAILED = {"code": 500, "subCode": 8603, "message": "Action failed, not able to establish websocket connection."}
INTERRUPTED = {"code": 500, "subCode": 8603, "message": "Action failed, websocket connection was interrupted."}


def transcription_update(status: str, details: str) -> dict[str, Any]:
    return {"transcriptionUpdate": {"transcriptionStatus": status, "transcriptionStatusDetails": details}}


def media_streaming_update(status: str, details: str) -> dict[str, Any]:
    return {
        "mediaStreamingUpdate": {
            "contentType": "Audio",
            "mediaStreamingStatus": status,
            "mediaStreamingStatusDetails": details,
        }
    }
