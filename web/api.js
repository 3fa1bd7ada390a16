// Talks to the Tonearm REST API: JSON in and out, the session token, and errors
// turned into ApiError with a message fit for people.
const SESSION_KEY = 'tonearm.session';

export class ApiError extends Error {
  constructor(status, code, message, details = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;   // HTTP status; 0 when the server could not be reached
    this.code = code;       // the API's error code ("conflict", "unauthorized", ...) or "network"
    this.details = details; // e.g. {snapshot_id} on a playlist conflict
  }
}

// Session changes (login, logout, expiry) are announced on this target:
// 'change' with detail {user, reason} where reason is 'login', 'logout' or 'expired'.
export const sessionEvents = new EventTarget();

// The session lives in localStorage and is read on every request, so another tab's
// login or logout (or a token removed by hand) takes effect at once.
export function getSession() {
  try {
    const s = JSON.parse(localStorage.getItem(SESSION_KEY) || 'null');
    if (!s || typeof s.token !== 'string' || !s.user) return null;
    if (s.expires_at && Date.parse(s.expires_at) <= Date.now()) return null;
    return s;
  } catch {
    return null;
  }
}

export function currentUser() {
  return getSession()?.user ?? null;
}

function setSession(session, reason) {
  if (session) localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else localStorage.removeItem(SESSION_KEY);
  sessionEvents.dispatchEvent(new CustomEvent('change', { detail: { user: session?.user ?? null, reason } }));
}

window.addEventListener('storage', (e) => {
  if (e.key === SESSION_KEY) {
    sessionEvents.dispatchEvent(new CustomEvent('change', { detail: { user: currentUser(), reason: 'storage' } }));
  }
});

// api('/v1/search', {query: {q}, signal}) -> parsed JSON (null for 204).
// Throws ApiError; an aborted request throws the DOMException AbortError untouched.
export async function api(path, { method = 'GET', body, query, signal } = {}) {
  let url = path;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, v);
    const qs = params.toString();
    if (qs) url += (url.includes('?') ? '&' : '?') + qs;
  }
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const session = getSession();
  if (session) headers.Authorization = `Bearer ${session.token}`;

  let res;
  try {
    res = await fetch(url, { method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    if (err?.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', "Can't reach the server. Check your connection or that Tonearm is running, then try again.");
  }
  if (res.status === 204) return null;
  let data = null;
  const text = await res.text();
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (res.ok) return data;

  const e = data?.error ?? {};
  // The 409 of a playlist edit names the current snapshot, in details or next to the code.
  const details = { ...(e.details || {}) };
  if (e.snapshot_id !== undefined && details.snapshot_id === undefined) details.snapshot_id = e.snapshot_id;
  const error = new ApiError(res.status, e.code || `http_${res.status}`, e.message || `${res.status} ${res.statusText}`, details);
  if (res.status === 401 && session) {
    // The token is unknown or expired: forget it here too.
    error.expired = true;
    setSession(null, 'expired');
  }
  if (res.status === 429) {
    const wait = Number(res.headers.get('Retry-After'));
    if (wait > 0) error.retryAfter = wait;
  }
  return Promise.reject(error);
}

export async function register(username, password) {
  await api('/v1/users', { method: 'POST', body: { username, password } });
  return login(username, password);
}

export async function login(username, password) {
  const s = await api('/v1/sessions', { method: 'POST', body: { username, password } });
  setSession({ token: s.token, expires_at: s.expires_at, user: s.user }, 'login');
  return s.user;
}

export async function logout() {
  try {
    if (getSession()) await api('/v1/sessions/current', { method: 'DELETE' });
  } catch {
    // Logging out locally is what matters; the token expires on its own.
  } finally {
    setSession(null, 'logout');
  }
}
