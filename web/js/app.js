// The console: a single page with hash routes. Each page module exports a function that
// renders into ctx.root and may register refreshers with ctx.every(); the app runs those
// every few seconds unless auto-refresh is paused or the tab is hidden.
import { h, clear, errorBox, errorText } from './dom.js';
import overview from './pages/overview.js';
import topics from './pages/topics.js';
import topic from './pages/topic.js';
import messages from './pages/messages.js';
import groups from './pages/groups.js';
import group from './pages/group.js';
import transactions from './pages/transactions.js';

const REFRESH_MS = 5000;

const routes = [
  [/^\/overview$/, overview, 'overview'],
  [/^\/topics$/, topics, 'topics'],
  [/^\/topics\/([^/]+)$/, topic, 'topics'],
  [/^\/topics\/([^/]+)\/messages$/, messages, 'topics'],
  [/^\/groups$/, groups, 'groups'],
  [/^\/groups\/([^/]+)$/, group, 'groups'],
  [/^\/transactions$/, transactions, 'transactions'],
];

const main = document.getElementById('main');
const refreshToggle = document.getElementById('refresh-toggle');
const refreshNow = document.getElementById('refresh-now');
const refreshState = document.getElementById('refresh-state');
const banner = document.getElementById('banner');

let current = null; // {ctx, refreshers}
let paused = localStorage.getItem('samsa.console.paused') === '1';
let refreshing = false;
let again = false; // a manual refresh asked for while one ran: run once more after it

// "#/topics/a%20b/messages?partition=0" -> {path: "/topics/a%20b/messages", query}.
function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/overview';
  const q = raw.indexOf('?');
  return { path: q < 0 ? raw : raw.slice(0, q), query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

async function route() {
  const { path, query } = parseHash();
  if (current) current.ctx.dead = true;
  for (const d of document.querySelectorAll('dialog.modal')) d.remove();
  let match = null;
  for (const [re, page, nav] of routes) {
    const m = path.match(re);
    if (m) {
      match = { page, nav, params: m.slice(1).map((s) => decodeURIComponent(s)) };
      break;
    }
  }
  if (!match) {
    location.replace('#/overview');
    return;
  }
  for (const a of document.querySelectorAll('nav.main-nav a')) {
    a.classList.toggle('active', a.dataset.nav === match.nav);
  }
  const root = h('div.page');
  clear(main, root);
  const refreshers = [];
  const ctx = {
    root,
    params: match.params,
    query,
    dead: false,
    alive: () => !ctx.dead,
    every: (fn) => refreshers.push(fn),
    title: (s) => { document.title = s ? `${s} · samsa` : 'samsa'; },
    // Puts the page's current settings into the address without re-rendering it.
    replaceQuery: (params) => {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) if (v != null && v !== '') q.set(k, String(v));
      const s = q.toString();
      history.replaceState(null, '', `#${path}${s ? '?' + s : ''}`);
    },
  };
  current = { ctx, refreshers };
  window.scrollTo(0, 0);
  try {
    await match.page(ctx);
  } catch (err) {
    if (ctx.alive()) root.append(errorBox(err));
  }
}

async function refresh(manual = false) {
  if (!current) return;
  if (!manual && (paused || document.hidden)) return;
  if (refreshing) {
    if (manual) again = true;
    return;
  }
  const { ctx, refreshers } = current;
  if (!refreshers.length) return;
  refreshing = true;
  refreshState.textContent = 'refreshing…';
  try {
    await Promise.all(refreshers.map((fn) => fn()));
    if (ctx.alive()) {
      banner.hidden = true;
      refreshState.textContent = `updated ${new Date().toLocaleTimeString()}`;
    }
  } catch (err) {
    if (ctx.alive()) {
      banner.hidden = false;
      clear(banner, `Refresh failed: ${errorText(err)}`);
      refreshState.textContent = 'refresh failed';
    }
  } finally {
    refreshing = false;
  }
  if (again) {
    again = false;
    refresh(true);
  }
}

function showPaused() {
  refreshToggle.textContent = paused ? 'Resume auto-refresh' : 'Pause auto-refresh';
  refreshToggle.setAttribute('aria-pressed', String(paused));
  refreshToggle.classList.toggle('paused', paused);
  if (paused) refreshState.textContent = 'auto-refresh paused';
}

refreshToggle.addEventListener('click', () => {
  paused = !paused;
  localStorage.setItem('samsa.console.paused', paused ? '1' : '0');
  showPaused();
  if (!paused) refresh();
});
refreshNow.addEventListener('click', () => refresh(true));
document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
window.addEventListener('hashchange', route);
setInterval(refresh, REFRESH_MS);
showPaused();
route();
