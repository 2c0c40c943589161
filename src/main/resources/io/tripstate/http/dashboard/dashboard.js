// The tripstate dashboard: every breaker from GET /breakers, kept live by GET /events (Server-Sent Events).
// Plain JavaScript modules, no build step. Text reaches the page through textContent only.
import {Admin, path} from './admin.js';
import {VirtualRows, clock, setText} from './rows.js';

const RECENT_PER_BREAKER = 3;   // transitions kept per breaker (the row shows the latest)
const LOG_SIZE = 100;           // transitions in the side panel
const DETAIL_BATCH = 20;        // above this many changed breakers, reload all instead of one by one
const FULL_REFRESH_MS = 10000;  // rates change without transitions: reload everything this often
const SEVERITY = {open: 0, forced_open: 1, half_open: 2, disabled: 3, closed: 4};

const $ = (id) => document.getElementById(id);
const breakers = new Map();     // name -> {name, state, deadline, forcedForever, failureRate, slowCallRate, recent}
const dirty = new Set();        // names whose details (time left, rates) must be fetched again
const rows = new VirtualRows($('viewport'), $('spacer'));
const admin = new Admin((snapshot) => {
  applySnapshot(snapshot);
  scheduleRender();
}, status);
let shown = [];                 // names passing the filter, in display order
let listDirty = true;
let renderQueued = false;
let lastFullLoad = 0;

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
  listDirty ||= b.state !== s.state;
  b.state = s.state;
  // A forced state without an end has no time left to count (retry_after_ms is then absent, null or 0).
  b.forcedForever = s.state === 'forced_open' && (s.forced_until === null || s.forced_until === undefined);
  b.deadline = typeof s.retry_after_ms === 'number' && !b.forcedForever
      ? performance.now() + s.retry_after_ms : null;
  b.failureRate = typeof s.failure_rate === 'number' ? s.failure_rate : null;
  b.slowCallRate = typeof s.slow_call_rate === 'number' ? s.slow_call_rate : null;
}

function applyTransition(t) {
  if (typeof t.name !== 'string' || typeof t.to !== 'string') {
    return;
  }
  const b = model(t.name);
  listDirty ||= b.state !== t.to;
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
    if (!seen.has(name)) {      // gone, e.g. the verticle restarted without persistence
      breakers.delete(name);
      listDirty = true;
    }
  }
  if (body.persistence) {
    const p = body.persistence;
    showPersistence(!p.enabled ? 'DISABLED' : p.connected && p.restored !== false ? 'UP' : 'DOWN');
  }
  scheduleRender();
}

/** Fetches the details of breakers that changed: a few one by one, many in one full reload. */
async function refreshDirty() {
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

// ---- live events ----

function connect() {
  const source = new EventSource('events');
  source.onopen = () => {
    setLive('live', 'live');
    loadAll().catch(showError);  // catches up with whatever happened while disconnected
  };
  source.onerror = () => setLive('reconnecting', 'reconnecting…');
  source.onmessage = (e) => parsed(e.data, applyTransition);
  source.addEventListener('persistence', (e) => parsed(e.data, (p) => showPersistence(p.persistence)));
}

function parsed(data, then) {
  try {
    then(JSON.parse(data));
  } catch (err) {
    showError(err);
  }
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

function render() {
  renderQueued = false;
  if (listDirty) {
    shown = filtered();
    listDirty = false;
  }
  rows.render(shown, breakers);
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

/** The names passing the filter box and the state filter, problems first unless ordered by name. */
function filtered() {
  const text = $('filter').value.trim().toLowerCase();
  const stateFilter = $('state-filter').value;
  const byName = $('order').value === 'name';
  const list = [];
  for (const b of breakers.values()) {
    const stateOk = stateFilter === 'all' || (stateFilter === 'problems' ? b.state !== 'closed'
        : b.state === stateFilter);
    if (stateOk && (!text || b.name.toLowerCase().includes(text))) {
      list.push(b);
    }
  }
  list.sort((a, b) => (byName ? 0 : (SEVERITY[a.state] ?? 5) - (SEVERITY[b.state] ?? 5))
      || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return list.map((b) => b.name);
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
    admin.act(row.dataset.name, button.dataset.action).catch(showError);
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
