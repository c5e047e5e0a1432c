// The canned responses the operator may use (the shared ones and their own), loaded with
// import() when first needed: by a composer that sees a ":", or by the pages that manage
// them. The list is fetched once, kept fresh by every change made through this module,
// and fetched again in the background when it is a few minutes old, for the shared ones
// an admin changed meanwhile.
import { useEffect, useState } from '../vendor/preact-htm.js';
import { request } from './api.js';
import { getState } from './store.js';

const STALE = 3 * 60 * 1000;

let data = { user: 0, list: null, at: 0, error: '' };
let loading = null;
const listeners = new Set();

function publish(patch) {
  data = { ...data, ...patch };
  for (const fn of [...listeners]) fn(data);
}

// order is the server's: most used first, then by shortcut whatever its case, then oldest.
function order(list) {
  const key = (c) => c.shortcut.toLowerCase();
  return [...list].sort((a, b) => b.uses - a.uses || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id - b.id));
}

// loadCanned fetches the list, unless it is fresh (or force) or already on its way.
export function loadCanned(force) {
  const me = getState().me;
  if (!me) return Promise.resolve([]);
  if (data.user !== me.id) {
    loading = null;
    publish({ user: me.id, list: null, at: 0, error: '' });
  }
  if (loading) return loading;
  if (data.list && !force && Date.now() - data.at < STALE) return Promise.resolve(data.list);
  const user = me.id;
  loading = request('GET', '/api/canned-responses').then(
    (list) => {
      loading = null;
      if (data.user === user) publish({ list: order(list), at: Date.now(), error: '' });
      return data.list;
    },
    (e) => {
      loading = null;
      if (data.user === user) publish({ error: e.message });
      throw e;
    },
  );
  return loading;
}

// useCanned is the list (null until loaded) and the last loading error, loaded on first use.
export function useCanned() {
  const [state, setState] = useState(data);
  useEffect(() => {
    listeners.add(setState);
    setState(data);
    loadCanned().catch(() => {});
    return () => listeners.delete(setState);
  }, []);
  return state;
}

function upsert(c) {
  const list = (data.list || []).filter((x) => x.id !== c.id);
  publish({ list: order([...list, c]) });
  return c;
}

export async function createCanned(fields) {
  return upsert(await request('POST', '/api/canned-responses', fields));
}

export async function updateCanned(id, fields) {
  return upsert(await request('PATCH', `/api/canned-responses/${id}`, fields));
}

export async function deleteCanned(id) {
  await request('DELETE', `/api/canned-responses/${id}`);
  publish({ list: (data.list || []).filter((x) => x.id !== id) });
}

// countUse tells the server the response was inserted, and counts it here at once so
// that the order follows; a response deleted meanwhile is dropped from the list.
export function countUse(id) {
  const c = (data.list || []).find((x) => x.id === id);
  if (c) upsert({ ...c, uses: c.uses + 1 });
  request('POST', `/api/canned-responses/${id}/use`).catch((e) => {
    if (e.status === 404) publish({ list: (data.list || []).filter((x) => x.id !== id) });
  });
}

// The styles of the completion list and of the management pages, loaded with them: the
// modules that import this one wait for them, so that nothing shows unstyled.
if (!document.querySelector('link[data-canned]')) {
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('./canned.css', import.meta.url).href;
  link.dataset.canned = '';
  const loaded = new Promise((resolve) => {
    link.onload = link.onerror = resolve;
  });
  document.head.append(link);
  await loaded;
}
