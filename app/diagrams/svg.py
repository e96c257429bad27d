"""Draw a call's steps as an SVG sequence diagram: App, ACS and each phone as lifelines, one arrow per step.

The same picture as the Mermaid text of :func:`app.diagrams.mermaid.render_mermaid`, for where no Mermaid renderer
is at hand (a file to open in a browser, a document). Long labels take a second line.

Example::

    Path("call.svg").write_text(render_svg(from_emulator(call_json), title="Support line"), encoding="utf-8")
"""

from __future__ import annotations

from collections.abc import Iterable
from xml.sax.saxutils import escape, quoteattr

from app.diagrams.mermaid import party_names, visible_steps
from app.diagrams.model import ACS, APP, Step

COLUMN = 150  # px between lifelines, at least
ROW = 26
LINE = 14  # px of a label's second line
TOP = 52
MARGIN = 24
WRAP = 38  # characters per label line
CHAR = 6.4  # px per character at 12px
MAX_GAP = 460


def render_svg(steps: Iterable[Step], *, title: str | None = None) -> str:
    """The SVG document (ending in a newline) for ``steps`` in the order given."""
    shown = visible_steps(list(steps))
    order = _lifelines(shown)
    labels = [_wrap(f"{number}. {step.label()}") for number, step in enumerate(shown, 1)]
    x = _positions(order, shown, labels)
    width = round(max(x.values()) + COLUMN / 2 + MARGIN)
    rows: list[float] = []
    y = float(TOP)
    for lines in labels:
        y += ROW + (len(lines) - 1) * LINE
        rows.append(y)
    height = round(y + ROW + MARGIN)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label={quoteattr(title or "Sequence diagram")} font-family="system-ui, sans-serif" '
        'font-size="12">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#334"/></marker>'
        '<marker id="cross" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="9" markerHeight="9" orient="auto">'
        '<path d="M1,1 L9,9 M9,1 L1,9" stroke="#c0392b" stroke-width="2"/></marker></defs>',
        '<rect width="100%" height="100%" fill="#fff"/>',
    ]
    if title:
        out.append(f"<title>{escape(title)}</title>")
    for who, name in order:
        cx = x[who]
        out += [
            f'<line x1="{cx:g}" y1="{TOP - 8}" x2="{cx:g}" y2="{height - MARGIN}" stroke="#c8cdd6" '
            'stroke-dasharray="4 4"/>',
            f'<rect x="{cx - COLUMN / 2 + 5:g}" y="8" width="{COLUMN - 10}" height="28" rx="6" fill="#eef2fb" '
            'stroke="#8aa0d0"/>',
            f'<text x="{cx:g}" y="26" text-anchor="middle" font-weight="600" font-size="11">{escape(name)}</text>',
        ]
    for step, lines, row in zip(shown, labels, rows, strict=True):
        out += _arrow(step, lines, row, x)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _lifelines(steps: list[Step]) -> list[tuple[str, str]]:
    return [(APP, "App"), (ACS, "ACS"), *((who, name) for who, (_, name) in party_names(steps).items())]


def _positions(order: list[tuple[str, str]], steps: list[Step], labels: list[list[str]]) -> dict[str, float]:
    """Each lifeline far enough from the previous one for the longest label drawn across the gap."""
    index = {who: i for i, (who, _) in enumerate(order)}
    gaps = [float(COLUMN)] * len(order)
    for step, lines in zip(steps, labels, strict=True):
        if step.source == step.destination:
            continue
        low, high = sorted((index[step.source], index[step.destination]))
        needed = (max(len(line) for line in lines) * CHAR + 24) / (high - low)
        for i in range(low + 1, high + 1):
            gaps[i] = max(gaps[i], min(needed, MAX_GAP))
    positions: dict[str, float] = {}
    at = MARGIN + COLUMN / 2
    for i, (who, _) in enumerate(order):
        at += gaps[i] if i else 0
        positions[who] = at
    return positions


def _arrow(step: Step, lines: list[str], y: float, x: dict[str, float]) -> list[str]:
    color = "#c0392b" if step.failed else "#334"
    if step.source == step.destination:
        cx = x[ACS]
        half = max(len(line) for line in lines) * CHAR / 2 + 8
        top = y - 15 - (len(lines) - 1) * LINE
        return [
            f'<rect x="{cx - half:g}" y="{top:g}" width="{half * 2:g}" height="{20 + (len(lines) - 1) * LINE}" '
            'rx="3" fill="#fff8dc" stroke="#d4c27a"/>',
            _text(cx, y - 1, lines, "#5d4e00"),
        ]
    x1, x2 = x[step.source], x[step.destination]
    dashed = ' stroke-dasharray="6 4"' if step.kind in ("event", "incoming_call") else ""
    end = "url(#cross)" if step.failed else "url(#arrow)"
    return [
        f'<line x1="{x1:g}" y1="{y:g}" x2="{x2:g}" y2="{y:g}" stroke="{color}" stroke-width="1.4"{dashed} '
        f'marker-end="{end}"/>',
        _text((x1 + x2) / 2, y - 5, lines, color),
    ]


def _wrap(label: str) -> list[str]:
    if len(label) <= WRAP:
        return [label]
    cut = label.rfind(" ", 0, WRAP + 1)
    at = cut if cut > WRAP // 2 else WRAP
    rest = label[at:].strip()
    return [label[:at], rest if len(rest) <= WRAP else rest[: WRAP - 1] + "…"]


def _text(cx: float, y: float, lines: list[str], color: str) -> str:
    first = y - (len(lines) - 1) * LINE
    spans = "".join(
        f'<tspan x="{cx:g}" y="{first + i * LINE:g}">{escape(line)}</tspan>' for i, line in enumerate(lines)
    )
    return f'<text text-anchor="middle" fill="{color}">{spans}</text>'
