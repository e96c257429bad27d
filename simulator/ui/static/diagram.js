// A call's sequence diagram: drawn as SVG here in the page, and written as Mermaid text for download.
import { ACS, APP, parties } from "./steps.js";

const COLUMN = 150;
const WRAP = 38; // characters per label line; longer labels take a second line
const ROW = 26;
const TOP = 52;
const MARGIN = 24;
const ENTITIES = { "#": "#35;", ";": "#59;", "<": "#lt;", ">": "#gt;" };

function escapeXml(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

const CHAR = 6.4; // px per character of a 12px label

// Each lifeline sits far enough from the previous one for the longest label drawn up to it.
function columns(drawn) {
  const found = parties(drawn);
  const order = [[APP, "App"], [ACS, "ACS"], ...[...found].map(([raw, p]) => [raw, p.name])];
  const index = new Map(order.map(([raw], i) => [raw, i]));
  const gaps = order.map(() => COLUMN);
  drawn.forEach((s, row) => {
    if (s.from === s.to) return;
    const [a, b] = [index.get(s.from), index.get(s.to)].sort((m, n) => m - n);
    const needed = (Math.min(`${row + 1}. ${s.label}`.length, WRAP) * CHAR + 24) / (b - a);
    for (let i = a + 1; i <= b; i += 1) gaps[i] = Math.max(gaps[i], Math.min(needed, 460));
  });
  const x = new Map();
  let at = MARGIN + COLUMN / 2;
  order.forEach(([raw], i) => {
    if (i) at += gaps[i];
    x.set(raw, at);
  });
  return { order, x, found, width: at + COLUMN / 2 + MARGIN };
}

export function svg(drawn, title = "") {
  const { order, x, width } = columns(drawn);
  const labels = drawn.map((s, index) => wrap(`${index + 1}. ${s.label}`));
  const rows = [];
  let y = TOP;
  for (const lines of labels) {
    y += ROW + (lines.length - 1) * 14;
    rows.push(y);
  }
  const height = y + ROW + MARGIN;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"` +
      ` role="img" aria-label="${escapeXml(title || "Sequence diagram")}" font-family="system-ui, sans-serif" font-size="12">`,
    "<defs>",
    '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">' +
      '<path d="M0,0 L10,5 L0,10 z" fill="#334"/></marker>',
    '<marker id="cross" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="9" markerHeight="9" orient="auto">' +
      '<path d="M1,1 L9,9 M9,1 L1,9" stroke="#c0392b" stroke-width="2"/></marker>',
    "</defs>",
    `<rect width="100%" height="100%" fill="#fff"/>`,
  ];
  for (const [raw, name] of order) {
    const cx = x.get(raw);
    out.push(
      `<line x1="${cx}" y1="${TOP - 8}" x2="${cx}" y2="${height - MARGIN}" stroke="#c8cdd6" stroke-dasharray="4 4"/>`,
      `<rect x="${cx - COLUMN / 2 + 5}" y="8" width="${COLUMN - 10}" height="28" rx="6" fill="#eef2fb" stroke="#8aa0d0"/>`,
      `<text x="${cx}" y="26" text-anchor="middle" font-weight="600" font-size="11">${escapeXml(name)}</text>`,
    );
  }
  drawn.forEach((s, index) => {
    const y = rows[index];
    const lines = labels[index];
    const color = s.failed ? "#c0392b" : s.fault ? "#b9770e" : "#334";
    if (s.from === s.to) {
      const cx = x.get(ACS);
      const half = Math.max(...lines.map((l) => l.length)) * CHAR * 0.5 + 8;
      out.push(
        `<rect x="${cx - half}" y="${y - 15 - (lines.length - 1) * 14}" width="${half * 2}" height="${20 + (lines.length - 1) * 14}" rx="3" fill="#fff8dc" stroke="#d4c27a"/>`,
        text(cx, y - 1, lines, "#5d4e00"),
      );
      return;
    }
    const x1 = x.get(s.from);
    const x2 = x.get(s.to);
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : "";
    const end = s.failed ? "url(#cross)" : "url(#arrow)";
    out.push(
      `<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" stroke="${color}" stroke-width="1.4"${dash} marker-end="${end}"/>`,
      text((x1 + x2) / 2, y - 5, lines, color),
    );
  });
  out.push("</svg>");
  return out.join("\n");
}

// A label as at most two lines, broken at a space; the bottom line sits at y.
function wrap(label) {
  if (label.length <= WRAP) return [label];
  const cut = label.lastIndexOf(" ", WRAP);
  const at = cut > WRAP / 2 ? cut : WRAP;
  const rest = label.slice(at).trim();
  return [label.slice(0, at), rest.length > WRAP ? rest.slice(0, WRAP - 1) + "…" : rest];
}

function text(cx, y, lines, color) {
  const first = y - (lines.length - 1) * 14;
  const spans = lines.map((line, i) => `<tspan x="${cx}" y="${first + i * 14}">${escapeXml(line)}</tspan>`);
  return `<text text-anchor="middle" fill="${color}">${spans.join("")}</text>`;
}

export function escapeMermaid(text) {
  return String(text).split(/\s+/).join(" ").replace(/[#;<>]/g, (c) => ENTITIES[c]);
}

export function mermaid(drawn, title = "") {
  const { found } = columns(drawn);
  const alias = (who) => (who === APP ? "App" : who === ACS ? "ACS" : found.get(who).alias);
  const lines = ["sequenceDiagram"];
  if (title) lines.push(`    title ${escapeMermaid(title)}`);
  lines.push("    autonumber", "    participant App", "    participant ACS");
  for (const p of found.values()) lines.push(`    participant ${p.alias} as ${escapeMermaid(p.name)}`);
  for (const s of drawn) {
    if (s.from === s.to) {
      lines.push(`    Note over ACS: ${escapeMermaid(s.label)}`);
      continue;
    }
    const arrow = s.dashed ? (s.failed ? "--x" : "-->>") : s.failed ? "-x" : "->>";
    lines.push(`    ${alias(s.from)}${arrow}${alias(s.to)}: ${escapeMermaid(s.label)}`);
  }
  return lines.join("\n") + "\n";
}
