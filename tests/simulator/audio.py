"""Prompt files for emulator tests, served from loopback (the only hosts the emulator fetches prompts from).

``/audio/<name>.wav`` is a short silent WAV, ``.mp3`` an ID3-tagged MP3 start, ``.html`` a web page (not audio);
names starting with ``missing`` and anything else are 404.
"""

from __future__ import annotations

import struct

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def silent_wav(seconds: float = 0.1, rate: int = 8000) -> bytes:
    """A valid mono 16-bit PCM WAV of silence."""
    frames = b"\x00\x00" * int(seconds * rate)
    header = b"RIFF" + struct.pack("<I", 36 + len(frames)) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return header + fmt + b"data" + struct.pack("<I", len(frames)) + frames


MP3_START = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 64
HTML_PAGE = b"<!doctype html><title>not audio</title>"


async def _serve(request: Request) -> Response:
    name = request.path_params["name"]
    if name.startswith("missing"):
        return Response(status_code=404)
    if name.endswith(".wav"):
        return Response(silent_wav(), media_type="audio/wav")
    if name.endswith(".mp3"):
        return Response(MP3_START, media_type="audio/mpeg")
    if name.endswith(".html"):
        return Response(HTML_PAGE, media_type="text/html")
    return Response(status_code=404)


AUDIO_ROUTE = Route("/audio/{name}", _serve, methods=["GET"])
