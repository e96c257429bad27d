"""Recording actions (start, pause, resume, stop, state), mixed into ``CallActions``; voicemail builds on them."""

from __future__ import annotations

from typing import Literal, TypeVar

from azure.communication.callautomation import RecordingProperties

from app.actions.bound import SessionBound
from app.actions.packing import callback_url_for

T = TypeVar("T")


class RecordingActions(SessionBound):
    """Example::

    recording = await call.start_recording()
    state["recording_id"] = recording.recording_id
    ...
    await call.stop_recording(state["recording_id"])
    """

    async def start_recording(
        self,
        *,
        content: Literal["audio", "audioVideo"] = "audio",
        channel: Literal["mixed", "unmixed"] = "mixed",
        audio_format: Literal["wav", "mp3", "mp4"] = "wav",
        pause_on_start: bool = False,
    ) -> RecordingProperties:
        """Record this call; ``RecordingStateChanged`` events come to this flow's callback URL."""
        if not self.call_connection_id:
            raise ValueError("start_recording needs an answered or connected call")
        call_connection_id = self.call_connection_id
        return await self._repeatable(
            "start_recording",
            lambda headers: self._client.start_recording(
                call_connection_id=call_connection_id,
                recording_state_callback_url=callback_url_for(self.settings, self.flow),
                recording_content_type=content,
                recording_channel_type=channel,
                recording_format_type=audio_format,
                pause_on_start=pause_on_start,
                headers=headers,
            ),
            content=content,
        )

    async def pause_recording(self, recording_id: str) -> None:
        operation = self._client.pause_recording(recording_id)
        await self._journaled("pause_recording", operation, recording_id=recording_id)

    async def resume_recording(self, recording_id: str) -> None:
        await self._journaled(
            "resume_recording", self._client.resume_recording(recording_id), recording_id=recording_id
        )

    async def stop_recording(self, recording_id: str) -> None:
        operation = self._client.stop_recording(recording_id)
        await self._journaled("stop_recording", operation, recording_id=recording_id)

    async def get_recording(self, recording_id: str) -> RecordingProperties:
        return await self._run(
            "get_recording", self._client.get_recording_properties(recording_id), recording_id=recording_id
        )
