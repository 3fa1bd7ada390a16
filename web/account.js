// Account: log in, register (which logs in), log out; app passwords and API keys for
// Subsonic apps.
import { api, currentUser, login, logout, register } from './api.js';
import { h, replace } from './dom.js';
import { clearError, messageFor, reportError, showInfo } from './status.js';

export function renderAccount(main) {
  const user = currentUser();
  if (user) {
    replace(main,
      h('h1', { text: 'Account' }),
      h('p', {}, 'Logged in as ', h('strong', { id: 'account-name', text: user.username }), '.'),
      h('ul', { class: 'plain-links' },
        h('li', {}, h('a', { href: '#/playlists', text: 'Your playlists' })),
        h('li', {}, h('a', { href: '#/liked', text: 'Liked songs' })),
        h('li', {}, h('a', { href: `#/user/${user.id}`, text: 'Your public profile (share this link)' }))),
      h('button', { type: 'button', class: 'secondary', id: 'logout', onclick: async () => {
        await logout();
        showInfo('You are logged out.');
        location.hash = '#/account';
      } }, 'Log out'),
      appsSection(user));
    return;
  }
  replace(main,
    h('h1', { text: 'Account' }),
    h('p', { class: 'lead', text: 'Log in to like songs and make playlists. Searching and listening need no account.' }),
    h('div', { class: 'forms' },
      authForm('login', 'Log in', 'current-password', async (u, p) => login(u, p)),
      authForm('register', 'Create an account', 'new-password', async (u, p) => register(u, p))));
}

function authForm(id, title, passwordAutocomplete, submit) {
  const error = h('p', { class: 'form-error', id: `${id}-error`, role: 'alert' });
  const username = h('input', {
    id: `${id}-username`, name: 'username', required: true, autocomplete: 'username', minlength: 3, maxlength: 32,
    pattern: '[A-Za-z0-9_.\\-]{3,32}', 'aria-describedby': `${id}-error`,
  });
  const password = h('input', {
    id: `${id}-password`, name: 'password', type: 'password', required: true, minlength: 10, maxlength: 1024,
    autocomplete: passwordAutocomplete, 'aria-describedby': `${id}-hint ${id}-error`,
  });
  const button = h('button', { type: 'submit', class: 'primary' }, title);
  const form = h('form', {
    class: 'card form', id: `${id}-form`, 'aria-labelledby': `${id}-title`,
    onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = '';
      button.disabled = true;
      try {
        const user = await submit(username.value.trim(), password.value);
        clearError();
        showInfo(`Welcome, ${user.username}!`);
        // Back to where the user came from, if the login was asked for by a page.
        const back = sessionStorage.getItem('tonearm.after-login');
        sessionStorage.removeItem('tonearm.after-login');
        location.hash = back || '#/playlists';
      } catch (err) {
        error.textContent = explain(err, id);
      } finally {
        button.disabled = false;
      }
    },
  },
  h('h2', { id: `${id}-title`, text: title }),
  h('label', { for: `${id}-username` }, 'Username'), username,
  id === 'register' ? h('p', { class: 'hint', text: '3 to 32 letters, digits, _ . or -' }) : null,
  h('label', { for: `${id}-password` }, 'Password'), password,
  h('p', { class: 'hint', id: `${id}-hint`, text: id === 'register' ? 'At least 10 characters.' : '' }),
  button, error);
  return form;
}

function explain(err, kind) {
  if (kind === 'login' && err.status === 401) return 'Wrong username or password.';
  if (kind === 'register' && err.status === 409) return 'That username is taken; pick another one.';
  if (err.status === 400) return err.message;
  return messageFor(err, kind === 'login' ? 'Could not log in' : 'Could not create the account');
}

// Subsonic apps (Symfonium, DSub, Feishin, ...) sign in with an app password or an
// API key made here, never with the account password. The secret is shown once.
function appsSection(user) {
  const list = h('ul', { class: 'app-list', id: 'app-list', 'aria-label': 'App passwords and API keys' });
  const secretBox = h('div', { id: 'app-secret-box', 'aria-live': 'polite' });
  const label = h('input', { id: 'app-label', name: 'label', required: true, maxlength: 100, placeholder: 'e.g. Symfonium on my phone' });
  const kind = h('select', { id: 'app-kind', name: 'kind' },
    h('option', { value: 'password', text: 'App password (any Subsonic app)' }),
    h('option', { value: 'api_key', text: 'API key (OpenSubsonic apps)' }));
  const button = h('button', { type: 'submit', class: 'primary', id: 'app-create' }, 'Make it');
  const error = h('p', { class: 'form-error', id: 'app-error', role: 'alert' });

  async function refresh() {
    try {
      const { items } = await api('/v1/me/app-passwords');
      replace(list, items.length ? items.map(appRow) : h('li', { class: 'empty', text: 'None yet.' }));
    } catch (err) {
      reportError(err, 'Could not list your app passwords');
    }
  }
  function appRow(c) {
    const used = c.last_used_at ? `last used ${new Date(c.last_used_at).toLocaleString()}` : 'never used';
    return h('li', { 'data-id': c.id },
      h('span', { class: 'app-label', text: c.label }),
      h('span', { class: 'app-meta', text: `${c.kind === 'api_key' ? 'API key' : 'App password'}, ${used}` }),
      h('button', { type: 'button', class: 'secondary', 'aria-label': `Revoke ${c.label}`, onclick: async () => {
        try {
          await api(`/v1/me/app-passwords/${c.id}`, { method: 'DELETE' });
          showInfo(`"${c.label}" can no longer sign in.`);
          refresh();
        } catch (err) {
          reportError(err, 'Could not revoke it');
        }
      } }, 'Revoke'));
  }
  const form = h('form', { class: 'card form', id: 'app-form', onsubmit: async (e) => {
    e.preventDefault();
    error.textContent = '';
    button.disabled = true;
    try {
      const made = await api('/v1/me/app-passwords', { method: 'POST', body: { label: label.value.trim(), kind: kind.value } });
      label.value = '';
      replace(secretBox,
        h('p', {}, made.kind === 'api_key'
          ? 'Your API key (shown this once: copy it into the app now):'
          : `Your app password (shown this once): in the app, enter the server ${location.origin}, the username ${user.username} and this password:`),
        h('code', { class: 'app-secret', id: 'app-secret', text: made.secret }));
      refresh();
    } catch (err) {
      error.textContent = err.status === 400 || err.status === 409 || err.status === 501 ? err.message : messageFor(err, 'Could not make it');
    } finally {
      button.disabled = false;
    }
  } },
  h('h2', { text: 'Apps' }),
  h('p', { class: 'hint', text: 'Subsonic apps (Symfonium, DSub, Substreamer, Feishin, Supersonic...) play from Tonearm. Give each its own app password, never your account password; revoke it here if the phone is lost.' }),
  h('label', { for: 'app-label' }, 'Name'), label,
  h('label', { for: 'app-kind' }, 'Kind'), kind,
  button, error, secretBox);
  refresh();
  return h('section', { class: 'apps', id: 'apps' }, form, list);
}
