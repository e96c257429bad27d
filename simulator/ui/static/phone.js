// The dev phone: place calls into the emulator, hear and act as any party, watch the timeline and the diagram.
// State arrives pushed over Server-Sent Events (GET /simulator/stream); actions go to the control API.
import { mermaid, svg } from "./diagram.js";
import { Speaker } from "./audio.js";
import { display, step, steps } from "./steps.js";

const $ = (id) => document.getElementById(id);
const speaker = new Speaker();
const state = {
  calls: new Map(), // serverCallId → call state (summary + ringing)
  entries: new Map(), // serverCallId → entries sorted by seq
  selected: null,
  acting: new Map(), // serverCallId → raw id the page acts as
  captions: new Map(), // serverCallId → [{key, text, start, end, to}]
  live: false, // false while a snapshot is applied: old prompts are shown, not spoken
};
let frame = 0;
let diagramDue = 0;

// ----- control API
async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    let message = `${response.status}`;
    try {
      const error = (await response.json()).error;
      message = error.message || error.code || message;
    } catch {}
    throw new Error(message);
  }
  return response.status === 204 ? null : response.json();
}

function party(path) {
  const sid = state.selected;
  const who = state.acting.get(sid);
  if (!sid || !who) throw new Error("No call to act in: place one first.");
  return `/simulator/calls/${encodeURIComponent(sid)}/parties/${encodeURIComponent(who)}/${path}`;
}

async function act(work) {
  $("notice").textContent = "";
  try {
    await work();
  } catch (error) {
    $("notice").textContent = error.message;
  }
}

// ----- the live stream
function connect() {
  const source = new EventSource("/simulator/stream");
  source.addEventListener("open", () => setLink("live", true));
  source.addEventListener("error", () => setLink("reconnecting…", false));
  source.addEventListener("snapshot", (event) => {
    const data = JSON.parse(event.data);
    state.calls.clear();
    state.entries.clear();
    state.captions.clear();
    state.live = false;
    apply(data);
    state.live = true;
    if (state.selected && !state.calls.has(state.selected)) state.selected = null;
    schedule();
  });
  source.addEventListener("batch", (event) => {
    apply(JSON.parse(event.data));
    schedule();
  });
}

function setLink(text, ok) {
  $("link").textContent = text;
  $("link").classList.toggle("ok", ok);
}

function apply({ calls, entries }) {
  for (const call of calls) state.calls.set(call.serverCallId, call);
  let eventGrid = false;
  for (const entry of entries) {
    const sid = entry.server_call_id || "-";
    const list = state.entries.get(sid) || [];
    if (!list.length || list[list.length - 1].seq < entry.seq) list.push(entry);
    else if (!list.some((e) => e.seq === entry.seq)) {
      list.push(entry);
      list.sort((a, b) => a.seq - b.seq);
    }
    state.entries.set(sid, list);
    if (entry.kind === "media") hear(sid, entry);
    if (entry.kind === "incoming_call") eventGrid = true;
  }
  if (eventGrid) refreshEmulator();
}

// ----- captions and sound
function hear(sid, entry) {
  const source = entry.detail.source;
  const captions = state.captions.get(sid) || [];
  state.captions.set(sid, captions);
  const to = entry.detail.to || [];
  const key = `${entry.call_connection_id}|${entry.detail.operation}|${source ? source.content : ""}`;
  if (entry.name.startsWith("hold music")) return;
  if (entry.name === "prompt started") {
    const words = Speaker.words(source);
    captions.push({ key, text: source.kind === "file" ? `♪ ${source.content}` : words.text, start: entry.at, end: null, to });
    if (state.live && sid === state.selected && hears(sid, to)) speaker.speak(key, source);
  } else if (entry.name === "prompt ended") {
    const open = captions.find((c) => c.key === key && c.end === null);
    if (open) open.end = entry.at;
    speaker.stopPrompt(key);
  }
}

function hears(sid, to) {
  return !to.length || to.includes(state.acting.get(sid));
}

// ----- rendering (at most once per animation frame)
function schedule() {
  if (!frame) frame = requestAnimationFrame(render);
}

function render() {
  frame = 0;
  if (!state.selected) {
    const newest = [...state.calls.values()].pop();
    if (newest) state.selected = newest.serverCallId;
  }
  renderCalls();
  renderRinging();
  renderHandset();
  renderTimeline();
  const now = performance.now();
  if (now >= diagramDue) {
    diagramDue = now + 250; // redraw the diagram at most 4 times a second
    renderDiagram();
  } else {
    setTimeout(schedule, diagramDue - now);
  }
}

function callLabel(call) {
  const from = display(call.from) || "app";
  const to = display(call.to) || call.groupCallId || call.roomId || "call";
  return `${from} → ${to}`;
}

function renderCalls() {
  const list = $("calls");
  const calls = [...state.calls.values()].reverse();
  const key = `${state.selected}|` + calls.slice(0, 60).map((c) => `${c.serverCallId}:${c.state}`).join(",");
  if (list.dataset.key === key) return; // 50 busy calls change state rarely: rebuild the list only then
  list.dataset.key = key;
  $("call-count").textContent = calls.length ? `(${calls.length})` : "";
  const items = calls.slice(0, 60).map((call) => {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "call" + (call.serverCallId === state.selected ? " selected" : "");
    button.setAttribute("aria-pressed", String(call.serverCallId === state.selected));
    button.innerHTML = `<span></span><span class="badge ${call.state}">${call.state}</span>`;
    button.firstChild.textContent = callLabel(call);
    button.addEventListener("click", () => {
      state.selected = call.serverCallId;
      schedule();
    });
    li.append(button);
    return li;
  });
  list.replaceChildren(...items);
}

function renderRinging() {
  const rings = [...state.calls.values()].flatMap((c) => (c.ringing || []).map((r) => `${c.serverCallId}:${r.rawId}:${r.answer}`));
  const key = rings.join(",");
  if ($("ringing").dataset.key === key) {
    speaker.background($("ringing").children.length ? "ringing" : heldNow() ? "hold" : null);
    return;
  }
  $("ringing").dataset.key = key;
  const groups = [];
  for (const call of state.calls.values()) {
    for (const ring of call.ringing || []) {
      if (ring.answer === "app") continue; // the app's own number: the app answers it
      const group = document.createElement("div");
      group.className = "ring card";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", `${display(ring.rawId)} is ringing`);
      const title = document.createElement("p");
      title.innerHTML = `<strong></strong> is ringing <span class="muted"></span>`;
      title.firstChild.textContent = display(ring.rawId);
      title.lastChild.textContent = `(${callLabel(call)})`;
      group.append(title);
      for (const [label, answer] of [["Answer", "accept"], ["Decline", "reject"], ["Busy", "busy"], ["No answer", "no-answer"]]) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = label;
        if (answer === "accept") button.className = "primary";
        button.addEventListener("click", () =>
          act(async () => {
            const path = `/simulator/calls/${encodeURIComponent(call.serverCallId)}/parties/${encodeURIComponent(ring.rawId)}/answer`;
            await api("POST", path, { answer });
            if (answer === "accept") {
              state.selected = call.serverCallId;
              state.acting.set(call.serverCallId, ring.rawId);
              schedule();
            }
          }),
        );
        group.append(button);
      }
      groups.push(group);
    }
  }
  $("ringing").replaceChildren(...groups);
  speaker.background(groups.length ? "ringing" : heldNow() ? "hold" : null);
}

function heldNow() {
  const call = state.calls.get(state.selected);
  const who = call && state.acting.get(call.serverCallId);
  return Boolean(call && call.participants.some((p) => p.identifier.rawId === who && p.isOnHold));
}

function renderHandset() {
  const call = state.calls.get(state.selected);
  const select = $("acting");
  if (!call) {
    $("call-state").textContent = "no call";
    select.replaceChildren();
    $("participants").replaceChildren();
    $("captions").replaceChildren();
    return;
  }
  const sid = call.serverCallId;
  const people = call.participants.map((p) => p.identifier.rawId);
  if (call.from && !people.includes(call.from)) people.unshift(call.from);
  if (!state.acting.has(sid) && people.length) state.acting.set(sid, people[0]);
  const acting = state.acting.get(sid);
  if (acting && !people.includes(acting)) people.push(acting); // answered and joining, or gone: still selectable
  const options = people.map((raw) => new Option(display(raw), raw, false, raw === acting));
  if (select.options.length !== options.length || [...select.options].some((o, i) => o.value !== options[i].value)) {
    select.replaceChildren(...options);
  }
  select.value = acting || "";
  const ringingHere = (call.ringing || []).length && call.state === "ringing";
  $("call-state").textContent = ringingHere ? "ringing…" : call.state;
  $("call-state").className = `state ${call.state}`;
  $("participants").replaceChildren(
    ...call.participants.map((p) => {
      const li = document.createElement("li");
      const flags = [p.isOnHold ? "♪ on hold" : "", p.isMuted ? "muted" : ""].filter(Boolean).join(", ");
      li.textContent = display(p.identifier.rawId) + (flags ? ` (${flags})` : "");
      if (p.isOnHold) li.className = "held";
      return li;
    }),
    ...(call.ringing || []).map((ring) => {
      const li = document.createElement("li");
      li.className = "ringing-party";
      li.textContent = `${display(ring.rawId)} (ringing)`;
      return li;
    }),
  );
  const captions = (state.captions.get(sid) || []).slice(-8);
  const base = (state.entries.get(sid) || [{ at: 0 }])[0].at;
  const rendered = captions.map((c) => {
    const p = document.createElement("p");
    const heard = hears(sid, c.to);
    p.className = "caption" + (c.end === null ? " speaking" : "") + (heard ? "" : " other");
    const time = document.createElement("span");
    time.className = "time";
    time.textContent = `${seconds(c.start - base)}–${c.end === null ? "…" : seconds(c.end - base)}`;
    const text = document.createElement("span");
    text.textContent = heard ? c.text : `(to ${c.to.map(display).join(", ")}) ${c.text}`;
    p.append(time, text);
    return p;
  });
  const box = $("captions");
  if (box.children.length !== rendered.length || box.textContent !== rendered.map((p) => p.textContent).join("")) {
    box.replaceChildren(...rendered);
  }
}

function seconds(value) {
  return `${Math.max(0, value).toFixed(2)}s`;
}

function renderTimeline() {
  const sid = state.selected;
  const entries = (sid && state.entries.get(sid)) || [];
  const list = $("timeline");
  if (list.dataset.call === sid && Number(list.dataset.count) === entries.length) return;
  const stick = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.dataset.call = sid || "";
  list.dataset.count = String(entries.length);
  const base = entries.length ? entries[0].at : 0;
  const call = state.calls.get(sid);
  $("timeline-title").textContent = call ? callLabel(call) : "";
  const items = [];
  for (const entry of entries) {
    const s = step(entry);
    if (!s) continue;
    const li = document.createElement("li");
    li.className = `line ${s.kind}` + (s.failed ? " failed" : "") + (s.fault ? " fault" : "");
    const who = s.from === s.to ? "ACS" : `${name(s.from)} → ${name(s.to)}`;
    li.innerHTML = '<span class="time"></span><span class="who"></span><span class="what"></span>';
    li.children[0].textContent = seconds(entry.at - base);
    li.children[1].textContent = who;
    li.children[2].textContent = s.label;
    items.push(li);
  }
  list.replaceChildren(...items);
  if (stick) list.scrollTop = list.scrollHeight;
}

function name(who) {
  return who === "app" ? "App" : who === "acs" ? "ACS" : display(who);
}

function renderDiagram() {
  const sid = state.selected;
  const call = state.calls.get(sid);
  const drawn = steps((sid && state.entries.get(sid)) || []);
  const box = $("diagram");
  const key = `${sid}|${drawn.length}|${drawn.length ? drawn[drawn.length - 1].seq : 0}`;
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  const title = call ? `Call ${callLabel(call)}` : "";
  const picture = svg(drawn, title);
  box.innerHTML = picture;
  for (const [id, text, type] of [["download-svg", picture, "image/svg+xml"], ["download-mermaid", mermaid(drawn, title), "text/plain"]]) {
    const link = $(id);
    if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([text], { type }));
  }
}

// ----- emulator panel: party behaviour, faults, Event Grid
let emulatorDue = null;
function refreshEmulator() {
  clearTimeout(emulatorDue);
  emulatorDue = setTimeout(loadEmulator, 200);
}

async function loadEmulator() {
  const [faults, subscriptions, every] = await Promise.all([
    api("GET", "/simulator/faults"),
    api("GET", "/simulator/subscriptions"),
    api("GET", "/simulator/parties/*"),
  ]).catch(() => [null, null, null]);
  if (faults) renderFaults(faults);
  if (subscriptions) renderSubscriptions(subscriptions.value || []);
  if (every) $("ring-here").checked = every.behaviour.answer === "manual";
}

function renderFaults(faults) {
  const rows = [];
  for (const [kind, rules] of Object.entries(faults)) {
    for (const [name, rule] of Object.entries(rules || {})) {
      const li = document.createElement("li");
      li.textContent = `${kind} ${name}: ${JSON.stringify(rule)}`;
      rows.push(li);
    }
  }
  $("faults").replaceChildren(...rows);
  const callbacks = faults.callbacks || {};
  $("fault-duplicate").checked = Boolean(callbacks["*"] && callbacks["*"].duplicate);
  $("fault-delay").checked = Boolean(callbacks["*"] && callbacks["*"].delay);
}

function renderSubscriptions(subscriptions) {
  $("subscriptions").replaceChildren(
    ...subscriptions.map((s) => {
      const tr = document.createElement("tr");
      for (const value of [s.name, s.status, s.delivered ?? 0, s.failed ?? 0]) {
        const td = document.createElement("td");
        td.textContent = String(value);
        tr.append(td);
      }
      tr.className = s.status;
      return tr;
    }),
  );
}

async function callbackFault(rule) {
  await api("DELETE", "/simulator/faults");
  if (rule) await api("PUT", "/simulator/faults/callbacks/*", rule);
  await loadEmulator();
}

// ----- wiring
function press(key) {
  speaker.tone(key);
  act(() => api("POST", party("dtmf"), { tones: key }));
}

function wire() {
  $("dial").addEventListener("submit", (event) => {
    event.preventDefault();
    act(async () => {
      speaker.audio(); // the click allows sound from now on
      const from = $("from").value.trim();
      const placed = await api("POST", "/simulator/calls", { from, to: $("to").value.trim() });
      state.selected = placed.serverCallId;
      state.acting.set(placed.serverCallId, placed.from);
      schedule();
    });
  });
  $("dial").addEventListener("click", (event) => {
    const pick = event.target.closest("button[data-fill]");
    if (pick) $(pick.dataset.fill).value = pick.textContent;
  });
  document.querySelectorAll(".keypad button").forEach((button) => {
    button.addEventListener("click", () => press(button.dataset.key));
  });
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (/^[0-9*#]$/.test(event.key)) {
      event.preventDefault();
      press(event.key);
    }
  });
  $("say-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("say").value.trim();
    if (!text) return;
    act(async () => {
      await api("POST", party("say"), { text });
      $("say").value = "";
    });
  });
  $("silent").addEventListener("click", () => act(() => api("POST", party("silence"))));
  $("hangup").addEventListener("click", () => act(() => api("POST", party("hangup"))));
  $("acting").addEventListener("change", (event) => {
    state.acting.set(state.selected, event.target.value);
    schedule();
  });
  $("sound").addEventListener("change", (event) => {
    speaker.enabled = event.target.checked;
    if (!speaker.enabled) speaker.background(null);
  });
  $("ring-here").addEventListener("change", (event) =>
    act(async () => {
      await api("PUT", "/simulator/parties/*", { answer: event.target.checked ? "manual" : "accept" });
    }),
  );
  $("behaviour").addEventListener("submit", (event) => {
    event.preventDefault();
    act(async () => {
      const body = { answer: $("answer").value, answerAfter: Number($("answer-after").value || 0) };
      await api("PUT", `/simulator/parties/${encodeURIComponent($("party").value.trim())}`, body);
      $("notice").textContent = `${$("party").value.trim()} now ${$("answer").selectedOptions[0].textContent}.`;
    });
  });
  $("fault-duplicate").addEventListener("change", (event) =>
    act(() => callbackFault(event.target.checked ? { duplicate: 1 } : null)),
  );
  $("fault-delay").addEventListener("change", (event) =>
    act(() => callbackFault(event.target.checked ? { delay: 2 } : null)),
  );
  $("fail-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act(async () => {
      await api("PUT", `/simulator/faults/rest/${$("fail-operation").value}`, { status: 500, times: 1 });
      await loadEmulator();
    });
  });
  $("clear-faults").addEventListener("click", () => act(() => callbackFault(null)));
}

async function start() {
  wire();
  connect();
  const info = await api("GET", "/simulator/phone").catch(() => null);
  if (info) {
    $("endpoint").textContent = info.endpoint;
    $("numbers").replaceChildren(
      ...info.ownedNumbers.map((number) => {
        const button = document.createElement("button");
        button.type = "button";
        button.dataset.fill = "to";
        button.textContent = number;
        return button;
      }),
    );
    if (!$("to").value && info.ownedNumbers.length) $("to").value = info.ownedNumbers[0];
  }
  await loadEmulator();
}

start();
