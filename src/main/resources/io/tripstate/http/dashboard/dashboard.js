// The tripstate dashboard: every breaker from GET /breakers, kept live by GET /events (Server-Sent Events).
// Plain JavaScript, no build step. Text reaches the page through textContent only (names are never HTML),
// and the rows are virtual: only the ones in view exist, so thousands of breakers filter and scroll fast.
'use strict';

(() => {
  const ROW_HEIGHT = 34;          // px, must match .row in dashboard.css
  const OVERSCAN = 8;             // rows rendered above and below the visible ones
  const RECENT_PER_BREAKER = 3;   // transitions shown in a row
  const LOG_SIZE = 100;           // transitions in the side panel
  const DETAIL_BATCH = 20;        // above this many changed breakers, reload all instead of one by one
  const FULL_REFRESH_MS = 10000;  // rates change without transitions: reload everything this often
  const TOKEN_KEY = 'tripstate.adminToken';
  const SEVERITY = {open: 0, forced_open: 1, half_open: 2, disabled: 3, closed: 4};

  const $ = (id) => document.getElementById(id);
  const breakers = new Map();     // name -> model
  let shown = [];                 // names passing the filter, in display order
  let listDirty = true;
  let renderQueued = false;
  const dirty = new Set();        // names whose details (time left, rates) must be fetched again
  let lastFullLoad = 0;
  const rowPool = [];

  // ---- model ----

  function model(name) {
    let b = breakers.get(name);
    if (!b) {
      b = {name, state: 'closed', deadline: null, forcedForever: false, failureRate: null, slowCallRate: null,
        recent: []};
      breakers.set(name, b);
      listDirty = true;
    }
    return b;
  }

  /** Takes a status snapshot ({"name", "state", "retry_after_ms", "forced_until", "failure_rate", ...}). */
  function applySnapshot(s) {
    const b = model(s.name);
    if (b.state !== s.state) {
      listDirty = true;
    }
    b.state = s.state;
    const retry = s.retry_after_ms;
    b.forcedForever = s.state === 'forced_open' && (s.forced_until === null || s.forced_until === undefined);
    b.deadline = typeof retry === 'number' && !b.forcedForever ? performance.now() + retry : null;
    b.failureRate = typeof s.failure_rate === 'number' ? s.failure_rate : null;
    b.slowCallRate = typeof s.slow_call_rate === 'number' ? s.slow_call_rate : null;
  }

  function applyTransition(t) {
    if (typeof t.name !== 'string' || typeof t.to !== 'string') {
      return;
    }
    const b = model(t.name);
    if (b.state !== t.to) {
      listDirty = true;
    }
    b.state = t.to;
    b.deadline = null;            // known again once the details arrive
    b.recent.unshift(t);
    b.recent.length = Math.min(b.recent.length, RECENT_PER_BREAKER);
    dirty.add(t.name);
    logTransition(t);
    scheduleRender();
  }

  // ---- loading ----

  async function loadAll() {
    lastFullLoad = performance.now();
    const response = await fetch('breakers', {cache: 'no-store'});
    if (!response.ok) {
      throw new Error('GET /breakers answered ' + response.status);
    }
    const body = await response.json();
    const seen = new Set();
    for (const s of body.breakers || []) {
      applySnapshot(s);
      seen.add(s.name);
    }
    for (const name of breakers.keys()) {
      if (!seen.has(name)) {      // gone (e.g. restored elsewhere, or the verticle restarted empty)
        breakers.delete(name);
        listDirty = true;
      }
    }
    if (body.persistence) {
      showPersistence(persistenceHealth(body.persistence));
    }
    scheduleRender();
  }

  function persistenceHealth(p) {
    if (!p.enabled) {
      return 'DISABLED';
    }
    return p.connected && p.restored !== false ? 'UP' : 'DOWN';
  }

  /** Fetches the details of breakers that changed: a few one by one, many in one full reload. */
  async function refreshDirty() {
    if (dirty.size === 0) {
      return;
    }
    if (dirty.size > DETAIL_BATCH) {
      dirty.clear();
      await loadAll();
      return;
    }
    const names = [...dirty];
    dirty.clear();
    await Promise.all(names.map(async (name) => {
      const response = await fetch('breakers/' + path(name), {cache: 'no-store'});
      if (response.ok) {
        applySnapshot(await response.json());
      }
    }));
    scheduleRender();
  }

  /** A breaker name as a URL path: its characters are all allowed in paths, anything else is escaped. */
  function path(name) {
    return name.replace(/[^A-Za-z0-9._:@\/-]/g, (c) => encodeURIComponent(c));
  }

  // ---- live events ----

  function connect() {
    const source = new EventSource('events');
    source.onopen = () => {
      setLive('live', 'live');
      loadAll().catch(showError);  // catches up with whatever happened while disconnected
    };
    source.onerror = () => setLive('reconnecting', 'reconnecting…');
    source.onmessage = (e) => {
      try {
        applyTransition(JSON.parse(e.data));
      } catch (err) {
        showError(err);
      }
    };
    source.addEventListener('persistence', (e) => {
      try {
        showPersistence(JSON.parse(e.data).persistence);
      } catch (err) {
        showError(err);
      }
    });
  }

  function setLive(state, text) {
    const live = $('live');
    live.dataset.live = state;
    live.textContent = text;
  }

  function showPersistence(health) {
    const badge = $('persistence');
    badge.dataset.health = String(health);
    badge.textContent = 'persistence ' + String(health);
  }

  // ---- rendering ----

  function scheduleRender() {
    if (!renderQueued) {
      renderQueued = true;
      requestAnimationFrame(render);
    }
  }

  function computeShown() {
    const text = $('filter').value.trim().toLowerCase();
    const stateFilter = $('state-filter').value;
    const byName = $('order').value === 'name';
    shown = [];
    for (const b of breakers.values()) {
      if (text && !b.name.toLowerCase().includes(text)) {
        continue;
      }
      if (stateFilter === 'problems' ? b.state === 'closed' : stateFilter !== 'all' && b.state !== stateFilter) {
        continue;
      }
      shown.push(b);
    }
    shown.sort((a, b) => (byName ? 0 : (SEVERITY[a.state] ?? 5) - (SEVERITY[b.state] ?? 5))
        || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    shown = shown.map((b) => b.name);
    listDirty = false;
  }

  function render() {
    renderQueued = false;
    if (listDirty) {
      computeShown();
    }
    const viewport = $('viewport');
    $('spacer').style.height = shown.length * ROW_HEIGHT + 'px';
    const first = Math.max(0, Math.floor(viewport.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(shown.length, Math.ceil((viewport.scrollTop + viewport.clientHeight) / ROW_HEIGHT)
        + OVERSCAN);
    let used = 0;
    for (let i = first; i < last; i++, used++) {
      const row = rowPool[used] || newRow();
      fillRow(row, breakers.get(shown[i]), i);
    }
    for (let i = used; i < rowPool.length; i++) {
      rowPool[i].hidden = true;
      rowPool[i].dataset.name = '';
    }
    renderSummary();
  }

  function newRow() {
    const row = document.createElement('div');
    row.className = 'row';
    row.setAttribute('role', 'row');
    for (const cls of ['name', 'state', 'left', 'rate failure', 'rate slow', 'recent']) {
      const cell = document.createElement('span');
      cell.className = cls;
      cell.setAttribute('role', 'cell');
      row.appendChild(cell);
    }
    const actions = document.createElement('span');
    actions.className = 'actions';
    actions.setAttribute('role', 'cell');
    for (const [action, label] of [['reset', 'reset'], ['force-open', 'force open'], ['disable', 'disable']]) {
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.action = action;
      button.textContent = label;
      actions.appendChild(button);
    }
    row.appendChild(actions);
    $('viewport').appendChild(row);
    rowPool.push(row);
    return row;
  }

  function fillRow(row, b, index) {
    row.hidden = false;
    row.style.top = index * ROW_HEIGHT + 'px';
    row.dataset.name = b.name;
    row.dataset.state = b.state;
    const cells = row.children;
    setText(cells[0], b.name);
    cells[0].title = b.name;
    setText(cells[1], b.state);
    cells[1].dataset.state = b.state;
    setText(cells[2], timeLeft(b));
    setText(cells[3], rate(b.failureRate));
    setText(cells[4], rate(b.slowCallRate));
    const latest = b.recent[0];
    setText(cells[5], latest ? clock(latest.at) + ' ' + latest.from + '→' + latest.to
        + (b.recent.length > 1 ? ' (+' + (b.recent.length - 1) + ')' : '') : '');
    cells[5].title = b.recent.map((t) => clock(t.at) + ' ' + t.from + ' → ' + t.to + ' (' + t.reason + ')')
        .join('\n');
  }

  function setText(element, text) {
    if (element.textContent !== text) {
      element.textContent = text;
    }
  }

  function timeLeft(b) {
    if (b.forcedForever) {
      return 'until reset';
    }
    if (b.state !== 'open' && b.state !== 'forced_open') {
      return '';
    }
    if (b.deadline === null) {
      return '…';
    }
    const ms = b.deadline - performance.now();
    if (ms <= 0) {
      return b.state === 'open' ? 'next call is a trial' : 'ending';
    }
    const s = Math.ceil(ms / 1000);
    return s < 60 ? s + ' s' : Math.floor(s / 60) + ' min ' + String(s % 60).padStart(2, '0') + ' s';
  }

  function rate(value) {
    return value === null || value < 0 ? '–' : (Math.round(value * 10) / 10) + ' %';
  }

  function clock(atSeconds) {
    if (typeof atSeconds !== 'number') {
      return '';
    }
    return new Date(atSeconds * 1000).toLocaleTimeString([], {hour12: false});
  }

  function renderSummary() {
    const counts = {};
    for (const b of breakers.values()) {
      counts[b.state] = (counts[b.state] || 0) + 1;
    }
    const parts = Object.keys(SEVERITY).filter((s) => counts[s]).map((s) => counts[s] + ' ' + s);
    setText($('counts'), breakers.size + (breakers.size === 1 ? ' breaker' : ' breakers')
        + (parts.length ? ': ' + parts.join(' · ') : ''));
    setText($('shown'), shown.length === breakers.size ? '' : shown.length + ' shown');
    $('empty').hidden = breakers.size !== 0;
  }

  function logTransition(t) {
    const log = $('log');
    const item = document.createElement('li');
    item.dataset.to = String(t.to);
    const time = document.createElement('time');
    time.textContent = clock(t.at);
    const name = document.createElement('strong');
    name.textContent = String(t.name);
    const what = document.createElement('span');
    what.textContent = ' ' + t.from + ' → ' + t.to + ' (' + t.reason + ')';
    item.append(time, ' ', name, what);
    log.prepend(item);
    while (log.children.length > LOG_SIZE) {
      log.lastElementChild.remove();
    }
  }

  // ---- admin actions ----

  let pendingAction = null;

  async function act(name, action, retried) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) {
      askToken(() => act(name, action, retried));
      return;
    }
    status(action + ' ' + name + '…');
    const response = await fetch('breakers/' + path(name) + '/' + action, {
      method: 'POST', headers: {'Authorization': 'Bearer ' + token}, cache: 'no-store'});
    if (response.status === 401 && !retried) {
      sessionStorage.removeItem(TOKEN_KEY);
      askToken(() => act(name, action, true), 'That token was refused.');
      return;
    }
    if (response.status === 405) {  // only the read-only routes are served
      status('The admin routes are off: start tripstate with http.adminToken set.', true);
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      status(action + ' ' + name + ' failed: ' + response.status + ' ' + (body.error || ''), true);
      return;
    }
    applySnapshot(body);
    scheduleRender();
    status(action + ' ' + name + ': now ' + body.state);
  }

  function askToken(then, error) {
    pendingAction = then;
    const message = $('token-error');
    message.hidden = !error;
    message.textContent = error || '';
    $('token-input').value = '';
    $('token-dialog').showModal();
  }

  function status(text, isError) {
    const line = $('status');
    line.textContent = text;
    line.classList.toggle('error', Boolean(isError));
  }

  function showError(err) {
    status(String(err && err.message ? err.message : err), true);
  }

  // ---- wiring ----

  $('viewport').addEventListener('scroll', scheduleRender, {passive: true});
  window.addEventListener('resize', scheduleRender);
  let filterTimer = null;
  $('filter').addEventListener('input', () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => {
      listDirty = true;
      $('viewport').scrollTop = 0;
      scheduleRender();
    }, 80);
  });
  for (const id of ['state-filter', 'order']) {
    $(id).addEventListener('change', () => {
      listDirty = true;
      scheduleRender();
    });
  }
  $('viewport').addEventListener('click', (e) => {
    const button = e.target.closest('button[data-action]');
    const row = button && button.closest('.row');
    if (row && row.dataset.name) {
      act(row.dataset.name, button.dataset.action, false).catch(showError);
    }
  });
  $('token-button').addEventListener('click', () => askToken(null));
  $('token-cancel').addEventListener('click', () => {
    pendingAction = null;
    $('token-dialog').close();
  });
  $('token-dialog').querySelector('form').addEventListener('submit', (e) => {
    e.preventDefault();
    const token = $('token-input').value.trim();
    if (!token) {
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    $('token-dialog').close();
    const then = pendingAction;
    pendingAction = null;
    if (then) {
      then().catch(showError);
    } else {
      status('Admin token set for this tab.');
    }
  });

  // Time left counts down between events; the details of changed breakers follow their transitions.
  setInterval(() => {
    scheduleRender();
    refreshDirty().catch(showError);
    if (document.visibilityState === 'visible' && performance.now() - lastFullLoad > FULL_REFRESH_MS) {
      loadAll().catch(showError);
    }
  }, 250);

  connect();
})();
