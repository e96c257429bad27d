"""Deterministic PCM the emulator streams: silence, DTMF dual tones, and a synthetic "voice" per word.

Everything is 16-bit little-endian mono PCM at 16 or 24 kHz, cut into 20 ms frames (320 or 480 samples).

* **Silence**: all-zero samples (the frame is marked ``silent``).
* **DTMF**: the ITU-T Q.23 pair of the key (``"5"`` = 770 Hz + 1336 Hz), each at amplitude 6000, 100 ms per key,
  then 100 ms of silence.
* **Speech**: each word of a phrase is 0.4 s of two sines, ``f1 = 200 + crc32(word.lower()) % 600`` Hz and
  ``f2 = 1.5 × f1``, at amplitude 5000 each, with 10 ms linear fades. The same word always sounds the same, so a
  test can recompute what reached the app (:func:`word_pcm`).

Example::

    pcm = word_pcm("agent", 16000)          # 12800 bytes: 0.4 s
    frames = list(frames_of(pcm, 16000))     # 20 frames of 640 bytes
"""

from __future__ import annotations

import math
import zlib
from array import array
from collections.abc import Iterator
from functools import lru_cache

FRAME_SECONDS = 0.02
WORD_SECONDS = 0.4
TONE_SECONDS = 0.1
TONE_GAP_SECONDS = 0.1
_TONE_AMPLITUDE = 6000
_SPEECH_AMPLITUDE = 5000
_FADE_SECONDS = 0.01
DTMF_PAIRS: dict[str, tuple[int, int]] = {
    "1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "A": (697, 1633),
    "4": (770, 1209), "5": (770, 1336), "6": (770, 1477), "B": (770, 1633),
    "7": (852, 1209), "8": (852, 1336), "9": (852, 1477), "C": (852, 1633),
    "*": (941, 1209), "0": (941, 1336), "#": (941, 1477), "D": (941, 1633),
}  # fmt: skip


def frame_bytes(sample_rate: int) -> int:
    """Bytes in one 20 ms frame: 640 at 16 kHz, 960 at 24 kHz."""
    return int(sample_rate * FRAME_SECONDS) * 2


@lru_cache(maxsize=4)
def silence(sample_rate: int) -> bytes:
    return bytes(frame_bytes(sample_rate))


def word_frequencies(word: str) -> tuple[float, float]:
    f1 = 200 + zlib.crc32(word.lower().encode()) % 600
    return float(f1), 1.5 * f1


@lru_cache(maxsize=1024)
def word_pcm(word: str, sample_rate: int) -> bytes:
    """0.4 s of the word's two-sine signal."""
    return _two_sines(*word_frequencies(word), WORD_SECONDS, sample_rate, _SPEECH_AMPLITUDE)


@lru_cache(maxsize=64)
def tone_pcm(key: str, sample_rate: int) -> bytes:
    """100 ms of the key's DTMF pair followed by 100 ms of silence."""
    low, high = DTMF_PAIRS[key]
    gap = bytes(int(sample_rate * TONE_GAP_SECONDS) * 2)
    return _two_sines(low, high, TONE_SECONDS, sample_rate, _TONE_AMPLITUDE) + gap


def frames_of(pcm: bytes, sample_rate: int) -> Iterator[bytes]:
    """``pcm`` cut into 20 ms frames; the last one is padded with silence."""
    size = frame_bytes(sample_rate)
    for start in range(0, len(pcm), size):
        chunk = pcm[start : start + size]
        yield chunk + bytes(size - len(chunk))


def _two_sines(f1: float, f2: float, seconds: float, sample_rate: int, amplitude: int) -> bytes:
    count = int(sample_rate * seconds)
    fade = max(1, int(sample_rate * _FADE_SECONDS))
    w1, w2 = 2 * math.pi * f1 / sample_rate, 2 * math.pi * f2 / sample_rate
    samples = array("h")
    for n in range(count):
        envelope = min(1.0, n / fade, (count - 1 - n) / fade)
        samples.append(int(amplitude * envelope * (math.sin(w1 * n) + math.sin(w2 * n))))
    if samples.itemsize != 2:  # pragma: no cover - every supported platform has 16-bit shorts
        raise RuntimeError("16-bit samples needed")
    return samples.tobytes() if _little_endian() else _swapped(samples)


def _little_endian() -> bool:
    import sys

    return sys.byteorder == "little"


def _swapped(samples: array[int]) -> bytes:
    copy = array("h", samples)
    copy.byteswap()
    return copy.tobytes()
