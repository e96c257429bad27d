"""Sequence diagrams of calls, drawn from the emulator's timeline or the service's JSON logs.

Example::

    from app.diagrams import from_emulator, render_mermaid
    print(render_mermaid(from_emulator(call_json)))

``callwright diagram <serverCallId>`` does the same from the command line (:func:`app.diagrams.cli.main`).
"""

from __future__ import annotations

from app.diagrams.emulator import from_emulator
from app.diagrams.logs import from_log_lines
from app.diagrams.mermaid import render_mermaid
from app.diagrams.model import Step, StepKind

__all__ = ["Step", "StepKind", "from_emulator", "from_log_lines", "render_mermaid"]
