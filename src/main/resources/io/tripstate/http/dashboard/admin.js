// The admin buttons: POST /breakers/{name}/reset|force-open|disable with the admin token, which is asked for
// once (in a dialog, as a password) and kept in sessionStorage: this tab only, gone when it closes.

const TOKEN_KEY = 'tripstate.adminToken';
const $ = (id) => document.getElementById(id);

export class Admin {
  /**
   * @param onSnapshot called with the breaker's snapshot after an action succeeded
   * @param status called with a line for the status bar, and whether it is an error
   */
  constructor(onSnapshot, status) {
    this.onSnapshot = onSnapshot;
    this.status = status;
    this.pending = null;
    const form = $('token-dialog').querySelector('form');
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.tokenEntered();
    });
    $('token-cancel').addEventListener('click', () => {
      this.pending = null;
      $('token-dialog').close();
    });
    $('token-button').addEventListener('click', () => this.askToken(null));
  }

  /** Runs an action on a breaker, asking for the token first when there is none (or it was refused). */
  async act(name, action, retried = false) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) {
      this.askToken(() => this.act(name, action, retried));
      return;
    }
    this.status(action + ' ' + name + '…');
    const response = await fetch('breakers/' + path(name) + '/' + action, {
      method: 'POST', headers: {'Authorization': 'Bearer ' + token}, cache: 'no-store'});
    if (response.status === 401 && !retried) {
      sessionStorage.removeItem(TOKEN_KEY);
      this.askToken(() => this.act(name, action, true), 'That token was refused.');
      return;
    }
    if (response.status === 405) {  // only the read-only routes are served
      this.status('The admin routes are off: start tripstate with http.adminToken set.', true);
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      this.status(action + ' ' + name + ' failed: ' + response.status + ' ' + (body.error || ''), true);
      return;
    }
    this.onSnapshot(body);
    this.status(action + ' ' + name + ': now ' + body.state);
  }

  askToken(then, error) {
    this.pending = then;
    const message = $('token-error');
    message.hidden = !error;
    message.textContent = error || '';
    $('token-input').value = '';
    $('token-dialog').showModal();
  }

  tokenEntered() {
    const token = $('token-input').value.trim();
    if (!token) {
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    $('token-dialog').close();
    const then = this.pending;
    this.pending = null;
    if (then) {
      then().catch((err) => this.status(String(err), true));
    } else {
      this.status('Admin token set for this tab.');
    }
  }
}

/** A breaker name as a URL path: its characters are all allowed in paths; anything else is escaped. */
export function path(name) {
  return name.replace(/[^A-Za-z0-9._:@\/-]/g, (c) => encodeURIComponent(c));
}
