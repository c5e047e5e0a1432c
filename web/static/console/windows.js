// The state of the chat windows in the bottom-right corner: which conversations are open
// and which are folded, kept in localStorage per user so that it follows the operator
// across pages and reloads.
import { setState, subscribe } from './store.js';

export const MAX_WINDOWS = 4;

let focusRequests = 0;

function key(userId) {
  return `parley.console.windows.${userId}`;
}

export function loadWindows(userId) {
  try {
    const raw = JSON.parse(localStorage.getItem(key(userId)) || '[]');
    if (!Array.isArray(raw)) return [];
    return raw
      .filter((w) => w && Number.isInteger(w.id) && w.id > 0)
      .slice(0, MAX_WINDOWS)
      .map((w) => ({ id: w.id, folded: !!w.folded }));
  } catch {
    return [];
  }
}

let saved = null;
subscribe((s) => {
  if (!s.me || s.windows === saved) return;
  saved = s.windows;
  try {
    localStorage.setItem(key(s.me.id), JSON.stringify(s.windows));
  } catch {
    // private browsing without storage: windows simply do not survive a reload
  }
});

// openWindow shows the conversation in a chat window, as the rightmost one when it is new.
export function openWindow(id, { folded = false, focus = false, keepFold = false } = {}) {
  setState((s) => {
    const existing = s.windows.find((w) => w.id === id);
    let windows;
    if (existing) {
      const nextFolded = keepFold ? existing.folded : folded;
      windows = existing.folded === nextFolded ? s.windows : s.windows.map((w) => (w.id === id ? { ...w, folded: nextFolded } : w));
    } else {
      windows = [{ id, folded }, ...s.windows].slice(0, MAX_WINDOWS);
    }
    return { windows, focusWindow: focus ? { id, n: ++focusRequests } : s.focusWindow };
  });
}

export function closeWindow(id) {
  setState((s) => ({ windows: s.windows.filter((w) => w.id !== id) }));
}

export function toggleFold(id) {
  setState((s) => ({ windows: s.windows.map((w) => (w.id === id ? { ...w, folded: !w.folded } : w)) }));
}
