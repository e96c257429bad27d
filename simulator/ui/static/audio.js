// What the acting party hears: prompts through the browser's speech synthesis or the prompt's audio file,
// plus ringback, hold music and key tones made with Web Audio. Nothing is fetched but the prompt files.
import { ssmlToText } from "./steps.js";

const DTMF = {
  1: [697, 1209], 2: [697, 1336], 3: [697, 1477], 4: [770, 1209], 5: [770, 1336], 6: [770, 1477],
  7: [852, 1209], 8: [852, 1336], 9: [852, 1477], "*": [941, 1209], 0: [941, 1336], "#": [941, 1477],
};

export class Speaker {
  constructor() {
    this.enabled = true;
    this.context = null;
    this.loop = null; // {stop()} of the ringback or hold music playing now
    this.loopKind = null;
    this.playing = new Map(); // prompt key → {stop()}
  }

  audio() {
    if (!this.context && window.AudioContext) this.context = new AudioContext();
    return this.context;
  }

  // What a prompt says: text, SSML reduced to text, or a file URL; with its locale and voice.
  static words(source) {
    if (source.kind === "ssml") {
      const lang = /xml:lang="([^"]+)"/.exec(source.content);
      const voice = /<voice[^>]*name="([^"]+)"/.exec(source.content);
      return { text: ssmlToText(source.content), locale: source.locale || (lang && lang[1]), voice: voice && voice[1] };
    }
    return { text: source.content, locale: source.locale, voice: source.voice };
  }

  speak(key, source) {
    if (source.kind === "file") {
      if (!this.enabled) return;
      const player = new Audio(source.content);
      player.play().catch(() => {}); // a URL the browser cannot fetch stays a caption
      this.playing.set(key, { stop: () => player.pause() });
      return;
    }
    if (!window.speechSynthesis) return;
    const { text, locale, voice } = Speaker.words(source);
    const utterance = new SpeechSynthesisUtterance(text);
    if (locale) utterance.lang = locale;
    const voices = speechSynthesis.getVoices();
    const match =
      voices.find((v) => voice && v.name === voice) ||
      voices.find((v) => locale && v.lang === locale) ||
      voices.find((v) => locale && v.lang.startsWith(locale.split("-")[0]));
    if (match) utterance.voice = match;
    utterance.volume = this.enabled ? 1 : 0;
    speechSynthesis.speak(utterance);
    this.playing.set(key, { stop: () => speechSynthesis.cancel() });
  }

  stopPrompt(key) {
    const playing = this.playing.get(key);
    if (playing) playing.stop();
    this.playing.delete(key);
  }

  tone(key) {
    const context = this.enabled && this.audio();
    if (!context || !DTMF[key]) return;
    const gain = context.createGain();
    gain.gain.value = 0.08;
    gain.connect(context.destination);
    for (const frequency of DTMF[key]) {
      const osc = context.createOscillator();
      osc.frequency.value = frequency;
      osc.connect(gain);
      osc.start();
      osc.stop(context.currentTime + 0.12);
    }
  }

  // kind: "ringing" | "hold" | null
  background(kind) {
    if (kind === this.loopKind) return;
    if (this.loop) this.loop.stop();
    this.loop = null;
    this.loopKind = kind;
    const context = this.enabled && kind && this.audio();
    if (!context) return;
    const gain = context.createGain();
    gain.gain.value = 0;
    gain.connect(context.destination);
    const oscillators = (kind === "ringing" ? [440, 480] : [330]).map((frequency) => {
      const osc = context.createOscillator();
      osc.type = kind === "hold" ? "triangle" : "sine";
      osc.frequency.value = frequency;
      osc.connect(gain);
      osc.start();
      return osc;
    });
    const notes = [330, 392, 440, 392];
    let beat = 0;
    const timer = setInterval(() => {
      const now = context.currentTime;
      if (kind === "ringing") {
        gain.gain.setValueAtTime(beat % 3 === 0 ? 0.05 : 0, now); // 2 s on, 4 s off
      } else {
        oscillators[0].frequency.setValueAtTime(notes[beat % notes.length], now);
        gain.gain.setValueAtTime(0.03, now);
      }
      beat += 1;
    }, kind === "ringing" ? 2000 : 500);
    this.loop = {
      stop: () => {
        clearInterval(timer);
        oscillators.forEach((osc) => osc.stop());
        gain.disconnect();
      },
    };
  }
}
