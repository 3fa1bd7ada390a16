// The visible message area: errors go to a role="alert" region (read out at once),
// confirmations to a polite role="status" one.
import { h, replace } from './dom.js';

const alertBox = () => document.getElementById('alert');
const statusBox = () => document.getElementById('status');
let statusTimer = 0;

export function showError(message, { action } = {}) {
  const box = alertBox();
  replace(box,
    h('span', { class: 'msg', text: message }),
    action ? h('a', { href: action.href, class: 'alert-action', text: action.label }) : null,
    h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Dismiss message', onclick: clearError }, '✕'));
}

// The regions stay in the page (empty ones are not shown) so that screen readers
// announce what is put into them.
export function clearError() {
  replace(alertBox());
}

export function showInfo(message) {
  const box = statusBox();
  box.textContent = message;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { box.textContent = ''; }, 5000);
}

// Turns any failure into one clear sentence. `what` names the action, e.g. "Could not rename".
export function messageFor(err, what = 'Something went wrong') {
  if (!err) return what;
  if (err.code === 'network') return err.message;
  if (err.status === 401) {
    return err.expired ? 'Your session expired, please log in again.' : 'Please log in to do that.';
  }
  if (err.status === 429) {
    return `Too many attempts; try again in ${err.retryAfter ? `${err.retryAfter} s` : 'a minute'}.`;
  }
  if (err.status === 503) return `${what}: the server is busy or one of its services is down. Try again shortly.`;
  if (err.status === 404) return `${what}: not found (it may be private or deleted).`;
  if (err.status === 403) return `${what}: only the owner can change this.`;
  if (err.status >= 500) return `${what}: the server had a problem (${err.message}).`;
  return `${what}: ${err.message || err}`;
}

export function reportError(err, what) {
  if (err?.name === 'AbortError') return;
  console.error(what, err);
  const needsLogin = err?.status === 401;
  showError(messageFor(err, what), needsLogin ? { action: { href: '#/account', label: 'Log in' } } : {});
}
