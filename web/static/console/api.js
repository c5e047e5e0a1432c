// The console's only way to the server: same-origin fetch with the session cookie, JSON in
// and out, and every refusal turned into an ApiError carrying the server's own message.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status; // 0 when the server could not be reached
    this.code = code;
  }
}

let unauthorized = () => {};

// onUnauthorized registers what to do when the session is gone (a 401 on any call but login).
export function onUnauthorized(fn) {
  unauthorized = fn;
}

export async function request(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'ENETWORK', 'Parley cannot be reached. Check your connection and try again.');
  }
  const text = await res.text().catch(() => '');
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const e = data && data.error;
    const err = new ApiError(res.status, (e && e.code) || 'EINTERNAL', (e && e.message) || `The server answered ${res.status}.`);
    if (res.status === 401 && path !== '/api/session') unauthorized(err);
    throw err;
  }
  return data;
}

const json = (method) => (path, body) => request(method, path, body);
const get = json('GET');
const post = json('POST');
const patch = json('PATCH');
const put = json('PUT');
const del = json('DELETE');

// The endpoints of API.md that the console uses.
export const api = {
  login: (login, password) => post('/api/session', { login, password }),
  logout: () => del('/api/session'),
  me: () => get('/api/me'),
  savePreferences: (prefs) => patch('/api/me/preferences', prefs),
  languages: () => get('/api/languages'),
  setLanguage: (code, enabled) => put(`/api/languages/${encodeURIComponent(code)}`, { enabled }),
  changePassword: (current, next) => post('/api/me/password', { current_password: current, new_password: next }),
  users: () => get('/api/users'),
  createUser: (user) => post('/api/users', user),
  user: (id) => get(`/api/users/${id}`),
  updateUser: (id, fields) => patch(`/api/users/${id}`, fields),
  deleteUser: (id) => del(`/api/users/${id}`),
  resetPassword: (id, password) => put(`/api/users/${id}/password`, { password }),
  sessions: (id) => get(`/api/users/${id}/sessions`),
  revokeSession: (id, sessionID) => del(`/api/users/${id}/sessions/${sessionID}`),
  revokeSessions: (id) => del(`/api/users/${id}/sessions`),
  channels: () => get('/api/channels'),
  createChannel: (ch) => post('/api/channels', ch),
  updateChannel: (id, ch) => patch(`/api/channels/${id}`, ch),
  join: (id) => post(`/api/channels/${id}/join`),
  leave: (id) => post(`/api/channels/${id}/leave`),
  conversations: () => get('/api/conversations'),
  conversation: (id) => get(`/api/conversations/${id}`),
  messages: (id, after = 0) => get(`/api/conversations/${id}/messages${after ? `?after=${after}` : ''}`),
  send: (id, body, clientID) => post(`/api/conversations/${id}/messages`, { body, client_id: clientID }),
  read: (id, seq) => post(`/api/conversations/${id}/read`, { seq }),
  end: (id) => post(`/api/conversations/${id}/end`),
};
