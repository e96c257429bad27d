"""Fetching file prompts the way ACS does before it plays them, confined to this machine.

ACS downloads a file source before playing it and fails the play when it can't (the SDK live test
``test_play_with_invalid_file_sources_with_play_media``: ``https://dummy.com/dummyurl.wav`` gives PlayFailed
400/8535 and no PlayStarted). The emulator fetches too, but only from loopback hosts (127.0.0.0/8, ::1,
``localhost``): any other host fails without a network request, so tests never leave the machine. A file counts as
audio when it starts like WAV (``RIFF....WAVE``) or MP3 (an ``ID3`` tag or an MPEG frame sync).

Example::

    fetcher = PromptFetcher()
    await fetcher.problem("http://127.0.0.1:9000/hello.wav")   # None: it plays
    await fetcher.problem("https://cdn.example/hello.wav")     # "not a loopback host"
    await fetcher.close()
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import aiohttp

FETCH_TIMEOUT = 5.0  # real seconds
_HEAD_BYTES = 64


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def looks_like_audio(head: bytes) -> bool:
    """WAV (RIFF/WAVE) or MP3 (ID3 tag, or an MPEG audio frame sync)."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return True
    if head[:3] == b"ID3":
        return True
    return len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0


class PromptFetcher:
    """One HTTP session for the world's prompt downloads; opened on first use, closed with the world."""

    def __init__(self, timeout: float = FETCH_TIMEOUT) -> None:
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    async def problem(self, url: str) -> str | None:
        """Why ``url`` can't be played (a short reason), or None when it serves audio."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return "not an http(s) URL"
        if not is_loopback(parts.hostname):
            return "not a loopback host (only loopback prompt URLs can be fetched here)"
        if self._session is None:
            self._session = aiohttp.ClientSession(trust_env=False)
        try:
            async with self._session.get(
                url, allow_redirects=False, timeout=aiohttp.ClientTimeout(total=self._timeout)
            ) as response:
                if not 200 <= response.status < 300:
                    return f"HTTP {response.status}"
                head = await response.content.read(_HEAD_BYTES)
        except TimeoutError:
            return "timeout"
        except (aiohttp.ClientError, ValueError) as exc:
            return type(exc).__name__
        return None if looks_like_audio(head) else "not audio"

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()
