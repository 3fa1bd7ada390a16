// Playback settings (kept in this browser): the streaming quality, and volume
// normalization (on by default; per track, or per album so an album keeps its own
// dynamics). The player listens on `settingsEvents` ('change') and applies a change at
// once: a new quality reloads the song where it was, a new gain takes effect live.
import { h, replace } from './dom.js';

const KEY = 'tonearm.playback';
const QUALITIES = [
  ['low', 'Low', 'about 96 kb/s: saves data on phones and metered networks'],
  ['normal', 'Normal', 'about 160 kb/s'],
  ['high', 'High', 'about 320 kb/s (Opus 256 kb/s when the original is lossless)'],
  ['original', 'Original', 'the file as it was added, lossless when it is'],
];

export const settingsEvents = new EventTarget();

const defaults = { quality: 'high', normalize: true, mode: 'track' };

export function playbackSettings() {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return {
      quality: QUALITIES.some(([q]) => q === saved.quality) ? saved.quality : defaults.quality,
      normalize: typeof saved.normalize === 'boolean' ? saved.normalize : defaults.normalize,
      mode: saved.mode === 'album' ? 'album' : defaults.mode,
    };
  } catch {
    return { ...defaults };
  }
}

export function updatePlaybackSettings(changes) {
  const next = { ...playbackSettings(), ...changes };
  localStorage.setItem(KEY, JSON.stringify(next));
  settingsEvents.dispatchEvent(new CustomEvent('change', { detail: next }));
}

// The codecs this browser plays, for the stream's `codecs` parameter (the server then
// picks a version the browser can decode: Opus where it plays, AAC otherwise).
export function playableCodecs() {
  const probe = document.createElement('audio');
  const types = {
    opus: 'audio/ogg; codecs="opus"',
    aac: 'audio/mp4; codecs="mp4a.40.2"',
    mp3: 'audio/mpeg',
    vorbis: 'audio/ogg; codecs="vorbis"',
    flac: 'audio/flac',
    wav: 'audio/wav',
  };
  return Object.entries(types).filter(([, type]) => probe.canPlayType(type) !== '').map(([codec]) => codec);
}

// The gain (dB) to apply to `song` with these settings; 0 when off or unmeasured.
export function gainFor(song, settings = playbackSettings()) {
  if (!settings.normalize || !song) return 0;
  const gain = settings.mode === 'album' ? (song.album_gain_db ?? song.gain_db) : song.gain_db;
  return Number.isFinite(gain) ? gain : 0;
}

export function renderSettings(main) {
  const s = playbackSettings();
  const codecs = playableCodecs();
  const radio = (name, value, label, hint, checked, disabled = false) => h('label', { class: 'choice' },
    h('input', { type: 'radio', name, value, checked, disabled, onchange: () => updatePlaybackSettings({ [name]: value }) }),
    h('span', { class: 'choice-label', text: label }),
    hint ? h('span', { class: 'choice-hint', text: hint }) : null);
  replace(main,
    h('h1', { text: 'Settings' }),
    h('section', { class: 'settings', 'aria-labelledby': 'playback-heading' },
      h('h2', { id: 'playback-heading', text: 'Playback' }),
      h('fieldset', { id: 'quality-setting' },
        h('legend', { text: 'Streaming quality' }),
        QUALITIES.map(([value, label, hint]) => radio('quality', value, label, hint, s.quality === value)),
        h('p', { class: 'choice-hint', id: 'codecs-info',
          text: `This browser plays ${codecs.join(', ') || 'no known codec'}; songs come in the best of those for the quality.` })),
      h('fieldset', { id: 'normalize-setting' },
        h('legend', { text: 'Volume' }),
        h('label', { class: 'choice' },
          h('input', { type: 'checkbox', id: 'normalize', checked: s.normalize,
            onchange: (e) => {
              updatePlaybackSettings({ normalize: e.target.checked });
              for (const r of main.querySelectorAll('input[name=mode]')) r.disabled = !e.target.checked;
            } }),
          h('span', { class: 'choice-label', text: 'Normalize volume' }),
          h('span', { class: 'choice-hint', text: 'every song at the same loudness (-14 LUFS), never clipped' })),
        radio('mode', 'track', 'Per track', 'each song on its own', s.mode === 'track', !s.normalize),
        radio('mode', 'album', 'Per album', 'an album keeps its quiet and loud songs', s.mode === 'album', !s.normalize))));
}
