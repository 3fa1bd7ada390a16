// Account: log in, register (which logs in), log out.
import { currentUser, login, logout, register } from './api.js';
import { h, replace } from './dom.js';
import { clearError, messageFor, showInfo } from './status.js';

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
      } }, 'Log out'));
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
