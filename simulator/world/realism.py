"""The variety real ACS shows that a flow must tolerate, switched on with ``--realism`` (off by default).

Each item follows the SDK live-test captures (see simulator/README.md, "Realism"):

- CallConnected and the first ParticipantsUpdated of a leg arrive in either order (2024-12 and 2025-03 captures
  received the update first; 2026-09 captures the CallConnected; the connect leg's update is stamped 2 ms earlier);
- ``sequenceNumber`` skips numbers (it is per call, and other legs and internal updates take numbers: 1, 3, 4, ...);
- roster-neutral ParticipantsUpdated: one while an added party is still ringing (about 2 s after the add), and a
  burst of 3 to 6 within 2 s after a recording starts (the recording capture shows six).

It never changes who is in the roster or what any other event says. The seed makes a run repeatable.

Example::

    realism = Realism(seed=7)
    realism.connected_first()      # True or False, the same sequence for the same seed
"""

from __future__ import annotations

import random

RINGING_UPDATE_AFTER = 2.0  # simulated seconds after an add, if the party is still ringing
RECORDING_BURST = (3, 6)  # how many neutral updates follow a recording start
RECORDING_BURST_SECONDS = 2.0


class Realism:
    """Seeded choices; one per emulator."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)

    def connected_first(self) -> bool:
        return self._rng.random() < 0.5

    def sequence_step(self) -> int:
        """How far the call's sequenceNumber moves: usually 1, sometimes 2 or 3 (numbers taken elsewhere)."""
        return self._rng.choice((1, 1, 1, 2, 3))

    def recording_burst(self) -> list[float]:
        """Delays (simulated seconds, increasing) of the neutral updates after a recording starts."""
        count = self._rng.randint(*RECORDING_BURST)
        return sorted(self._rng.uniform(0.1, RECORDING_BURST_SECONDS) for _ in range(count))
