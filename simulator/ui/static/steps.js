// Timeline entries as steps: who did what to whom, with a short readable label.
// The emulator numbers entries in causal order (seq), so sorting by seq is the order of the story.

const TONES = {
  zero: "0", one: "1", two: "2", three: "3", four: "4", five: "5", six: "6", seven: "7", eight: "8",
  nine: "9", asterisk: "*", pound: "#", a: "A", b: "B", c: "C", d: "D",
};
const TARGET_FIELDS = [
  "targetParticipant", "target", "participantToAdd", "participantToRemove", "targets", "targetParticipants",
  "playTo",
];
const TOWARDS_PARTY = new Set(["ringing", "removed"]);
const HIDDEN = new Set(["SubscriptionValidation", "WebHook OPTIONS"]);

export const APP = "app";
export const ACS = "acs";

export function display(rawId) {
  if (!rawId) return "";
  return rawId.startsWith("4:") ? rawId.slice(2) : rawId;
}

export function shorten(text, limit = 60) {
  const flat = String(text).split(/\s+/).join(" ").trim();
  return flat.length <= limit ? flat : flat.slice(0, limit - 1).trimEnd() + "…";
}

export function rawIdOf(value) {
  if (!value || typeof value !== "object") return null;
  if (value.rawId) return value.rawId;
  if (value.phoneNumber && value.phoneNumber.value) return "4:" + value.phoneNumber.value;
  if (value.communicationUser && value.communicationUser.id) return value.communicationUser.id;
  return null;
}

function target(body) {
  for (const name of TARGET_FIELDS) {
    const value = body[name];
    if (Array.isArray(value)) {
      const ids = value.map(rawIdOf).filter(Boolean);
      if (ids.length) return ids.join(", ");
    } else if (rawIdOf(value)) {
      return rawIdOf(value);
    }
  }
  return null;
}

export function sourceText(source) {
  if (!source || typeof source !== "object") return null;
  if (source.text && source.text.text) return source.text.text;
  if (source.ssml && source.ssml.ssmlText) return ssmlToText(source.ssml.ssmlText);
  if (source.file && source.file.uri) return source.file.uri;
  return null;
}

export function ssmlToText(ssml) {
  return String(ssml).replace(/<break[^>]*>/g, " ").replace(/<[^>]+>/g, "").replace(/\s+/g, " ").trim();
}

function prompt(body) {
  const sources = [];
  for (const name of ["playPrompt", "playPrompts", "playSources"]) {
    const value = body[name];
    if (Array.isArray(value)) sources.push(...value);
    else if (value) sources.push(value);
  }
  const texts = sources.map(sourceText).filter(Boolean);
  return texts.length ? texts.join(" ") : null;
}

function result(data) {
  const tones = data.dtmfResult && data.dtmfResult.tones;
  if (tones && tones.length) return tones.map((t) => TONES[String(t).toLowerCase()] ?? t).join("");
  if (data.speechResult && data.speechResult.speech) return `"${data.speechResult.speech}"`;
  if (data.choiceResult && data.choiceResult.label) return data.choiceResult.label;
  const info = data.resultInformation;
  if (info && info.code >= 300) return `${info.code}/${info.subCode ?? 0}`;
  return null;
}

// One entry → {seq, at, kind, from, to, label, failed, dashed, fault} or null when it is not drawn.
export function step(entry) {
  const detail = entry.detail || {};
  const base = { seq: entry.seq, at: entry.at, kind: entry.kind, failed: false, dashed: false, fault: null };
  if (entry.kind === "request") {
    const body = detail.body || {};
    const args = [];
    const who = target(body) || detail.participant;
    if (who) args.push(display(who));
    if (body.callRejectReason) args.push(body.callRejectReason);
    const text = prompt(body);
    if (text !== null) args.push(`"${shorten(text)}"`);
    const failed = !(detail.status >= 200 && detail.status < 300);
    let label = args.length ? `${entry.name}(${args.join(", ")})` : entry.name;
    if (failed) label += ` → ${detail.status}`;
    return { ...base, from: APP, to: ACS, label, failed, fault: detail.fault ? "injected fault" : null };
  }
  if (entry.kind === "callback" || entry.kind === "incoming_call") {
    const event = detail.event || {};
    const name = String(event.type || event.eventType || entry.name).split(".").pop();
    if (HIDDEN.has(name) || HIDDEN.has(entry.name)) return null;
    let label = name;
    const outcome = result(event.data || {});
    if (outcome) label += ` (${outcome})`;
    const failed = detail.status !== undefined && detail.status !== null && !(detail.status >= 200 && detail.status < 300);
    const noAnswer = detail.status === null && detail.fault !== "drop";
    if (failed || noAnswer || (detail.attempt || 1) > 1) {
      label += ` [HTTP ${detail.status ?? "no answer"}, attempt ${detail.attempt}]`;
    }
    let fault = null;
    if (detail.fault === "drop") fault = "dropped (fault)";
    else if (detail.duplicate) fault = `duplicate #${detail.duplicate} (fault)`;
    if (fault) label += ` — ${fault}`;
    return { ...base, from: ACS, to: APP, label, failed: failed || noAnswer, dashed: true, fault };
  }
  if (entry.kind === "party") {
    const [verb, ...rest] = entry.name.split(" ");
    let label = entry.name;
    if (verb === "press" && TONES[rest.join(" ")]) label = `press ${TONES[rest.join(" ")]}`;
    else if (verb === "say") label = `say "${shorten(rest.join(" "))}"`;
    else if (entry.name === "dial") label = `dial ${display(detail.to)}`;
    const towards = TOWARDS_PARTY.has(entry.name);
    return { ...base, from: towards ? ACS : entry.actor, to: towards ? entry.actor : ACS, label };
  }
  if (entry.kind === "note") {
    return { ...base, from: ACS, to: ACS, label: entry.name };
  }
  return null; // media entries are heard (captions), not drawn
}

export function steps(entries) {
  const drawn = entries.map(step).filter(Boolean);
  const delivered = drawn.some((s) => s.kind === "incoming_call");
  // The note that an IncomingCall was published repeats the delivery when there was one.
  return drawn.filter((s) => !(s.kind === "note" && s.label === "IncomingCall" && delivered));
}

// raw id → {alias, name}: the phone that dialled in is the Caller.
export function parties(drawn) {
  const found = new Map();
  for (const s of drawn) {
    for (const who of [s.from, s.to]) {
      if (who === APP || who === ACS || found.has(who)) continue;
      const caller = s.kind === "party" && s.label.startsWith("dial") && who === s.from;
      found.set(who, { alias: `P${found.size + 1}`, name: `${caller ? "Caller " : ""}${display(who)}` });
    }
  }
  return found;
}
