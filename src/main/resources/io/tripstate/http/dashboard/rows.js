// Virtual rows: only the rows in view (plus a few) exist, reused as the list scrolls or changes, so thousands
// of breakers cost as much as a screenful. Text goes in through textContent only: a name is never HTML.

export const ROW_HEIGHT = 34;     // px, must match .row in dashboard.css
const OVERSCAN = 8;               // rows rendered above and below the visible ones
const ACTIONS = [['reset', 'reset'], ['force-open', 'force open'], ['disable', 'disable']];

export class VirtualRows {
  constructor(viewport, spacer) {
    this.viewport = viewport;
    this.spacer = spacer;
    this.pool = [];
  }

  /** Shows the breakers named in `names` (in order), looked up in `breakers`, as far as they are in view. */
  render(names, breakers) {
    this.spacer.style.height = names.length * ROW_HEIGHT + 'px';
    const top = this.viewport.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(names.length, Math.ceil((top + this.viewport.clientHeight) / ROW_HEIGHT) + OVERSCAN);
    let used = 0;
    for (let i = first; i < last; i++, used++) {
      fill(this.pool[used] || this.newRow(), breakers.get(names[i]), i);
    }
    for (let i = used; i < this.pool.length; i++) {
      this.pool[i].hidden = true;
      this.pool[i].dataset.name = '';
    }
  }

  newRow() {
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
    for (const [action, label] of ACTIONS) {
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.action = action;
      button.textContent = label;
      actions.appendChild(button);
    }
    row.appendChild(actions);
    this.viewport.appendChild(row);
    this.pool.push(row);
    return row;
  }
}

function fill(row, b, index) {
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

/** Sets text only when it changed, so that a row under the mouse is not rebuilt on every frame. */
export function setText(element, text) {
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

/** A rate in percent; absent or -1 (not enough calls yet) shows as a dash. */
function rate(value) {
  return value === null || value < 0 ? '–' : (Math.round(value * 10) / 10) + ' %';
}

/** Epoch seconds (with a fraction, as transitions carry them) as a local time of day. */
export function clock(atSeconds) {
  if (typeof atSeconds !== 'number') {
    return '';
  }
  return new Date(atSeconds * 1000).toLocaleTimeString([], {hour12: false});
}
