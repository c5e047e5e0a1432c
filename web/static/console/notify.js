// The operator's notifications of a new conversation or visitor message while the
// console's tab is hidden: a short chime made with the Web Audio API (no sound file to
// download) and a desktop notification through the browser's Notification API, each as
// the operator's preferences say. actions.js loads this module the first time one is due.
import { getState } from './store.js';
import { openWindow } from './windows.js';

const QUIET_AFTER_SOUND = 1500; // a burst of messages rings once

let audio = null;
let lastSound = 0;

// chime plays two soft notes, about a third of a second in all.
function chime() {
  const now = Date.now();
  if (now - lastSound < QUIET_AFTER_SOUND) return;
  lastSound = now;
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  try {
    audio = audio || new Context();
    if (audio.state === 'suspended') audio.resume().catch(() => {});
    const t = audio.currentTime;
    for (const [freq, at] of [[880, 0], [1318.5, 0.13]]) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t + at);
      gain.gain.exponentialRampToValueAtTime(0.15, t + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + at + 0.3);
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start(t + at);
      osc.stop(t + at + 0.32);
    }
  } catch {
    // no sound here: the notification, if any, still shows
  }
}

// desktop shows the notification; a click on it brings the console's tab forward with the
// conversation open, as a click in the messages list does.
function desktop(id, title, body) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  const text = [...String(body || '').replace(/\s+/g, ' ').trim()];
  try {
    // One notification per conversation (its tag): a newer message replaces the older.
    // Silent, since the sound is the operator's other switch.
    const n = new Notification(title, {
      body: text.length > 140 ? `${text.slice(0, 139).join('')}…` : text.join(''),
      tag: `parley-conversation-${id}`,
      silent: true,
    });
    n.onclick = () => {
      window.focus();
      n.close();
      const { route } = getState();
      if (!(route.page === 'discuss' && route.id === id)) openWindow(id, { folded: false, focus: true });
    };
  } catch {
    // some browsers (Chrome on Android) show notifications only from a service worker
  }
}

// alertOperator is called while the tab is hidden, for a conversation just assigned to
// the operator or a new message of its visitor.
export function alertOperator(me, id, title, body) {
  if (me.notify_sound) chime();
  if (me.notify_desktop) desktop(id, title, body);
}
