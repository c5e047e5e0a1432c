// Small helpers shared by the pages: names, initials, times, ordering.

export function visitorName(conv) {
  const name = conv && conv.visitor && conv.visitor.name;
  return name && name.trim() ? name.trim() : `Visitor #${conv ? conv.id : ''}`;
}

export function initials(name) {
  // The first letter or digit of the first and last words: "Visitor #2" → "V2".
  const firsts = String(name || '')
    .trim()
    .split(/\s+/)
    .map((w) => (w.match(/[\p{L}\p{N}]/u) || [''])[0])
    .filter(Boolean);
  if (!firsts.length) return '?';
  return (firsts[0] + (firsts.length > 1 ? firsts[firsts.length - 1] : '')).toUpperCase();
}

// avatarHue gives each name a stable colour for its initials circle.
export function avatarHue(name) {
  let h = 0;
  for (const ch of String(name || '')) h = (h * 31 + ch.codePointAt(0)) % 360;
  return h;
}

export function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

export function formatTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
}

// formatWhen is short: the time today, the date otherwise.
export function formatWhen(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  if (sameDay(d, new Date())) return formatTime(iso);
  return d.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

export function formatDay(iso) {
  const d = new Date(iso);
  const today = new Date();
  const yesterday = new Date(today.getTime() - 86400000);
  if (sameDay(d, today)) return 'Today';
  if (sameDay(d, yesterday)) return 'Yesterday';
  return d.toLocaleDateString([], { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' });
}

export function lastActivity(conv) {
  return (conv.last_message && conv.last_message.created_at) || conv.created_at || '';
}

// sortConversations puts live conversations first (newest activity first), then ended ones.
export function sortConversations(list) {
  return [...list].sort((a, b) => {
    const ea = a.status === 'ended' ? 1 : 0;
    const eb = b.status === 'ended' ? 1 : 0;
    if (ea !== eb) return ea - eb;
    const ta = lastActivity(a);
    const tb = lastActivity(b);
    if (ta !== tb) return ta < tb ? 1 : -1;
    return b.id - a.id;
  });
}

export function preview(conv, maxLen = 80) {
  const m = conv.last_message;
  if (!m) return conv.status === 'queued' ? 'Waiting for an operator' : 'No message yet';
  let text = m.body.replace(/\s+/g, ' ').trim() || 'File'; // only a file's message has no text
  if (m.author.kind === 'operator') text = `You: ${text}`;
  return [...text].length > maxLen ? [...text].slice(0, maxLen - 1).join('') + '…' : text;
}

export function languageName(languages, code) {
  const l = (languages || []).find((x) => x.code === code);
  return l ? l.name : code;
}

export function cx(...names) {
  return names.filter(Boolean).join(' ');
}

// focusLost tells whether the focus fell to the page's body, as it does when the focused
// element is removed or disabled.
export function focusLost() {
  const a = document.activeElement;
  return !a || a === document.body || a === document.documentElement || !a.isConnected;
}

// rescueFocus moves the focus to target (an element, or a function that finds it) once
// the page has re-rendered, if an action removed the focused element meanwhile: keyboard
// and screen reader users then go on from a sensible place instead of the top of the page.
export function rescueFocus(target) {
  setTimeout(() => {
    if (!focusLost()) return;
    const el = typeof target === 'function' ? target() : target;
    if (!el || !el.isConnected) return;
    // A heading or a status message takes the focus without entering the Tab order.
    if (!el.matches('a[href], button, input, select, textarea, [tabindex]')) el.setAttribute('tabindex', '-1');
    el.focus();
  }, 0);
}

// mainContent is the page's main content, which takes the focus when nothing closer does.
export function mainContent() {
  return document.getElementById('main-content');
}
