// #/groups: every consumer group (classic and KIP-848) with its state, members and lag.
import { Api } from '../api.js';
import { h, table, fillBody, link, badge, errorBox } from '../dom.js';
import { num } from '../format.js';
import { stateKind } from './messages.js';

export const groupHref = (id) => `#/groups/${encodeURIComponent(id)}`;

export default async function groups(ctx) {
  ctx.title('Consumer groups');
  const filter = h('input', {
    type: 'search', placeholder: 'Filter by group id', testid: 'group-filter', value: ctx.query.get('filter') || '',
    oninput: () => { render(); ctx.replaceQuery({ filter: filter.value }); },
  });
  const summary = h('span.muted', { testid: 'groups-summary' });
  const errorSlot = h('div');
  const columns = [
    { label: 'Group id', render: (g) => link(groupHref(g.group_id), g.group_id) },
    { label: 'Type', render: (g) => badge(g.type === 'consumer' ? 'consumer (KIP-848)' : g.type || '–') },
    { label: 'Protocol type', render: (g) => g.protocol_type || h('span.muted', null, '–') },
    { label: 'State', render: (g) => badge(g.state, stateKind(g.state)) },
    { label: 'Members', cls: 'num', render: (g) => num(g.members) },
    { label: 'Lag', cls: 'num', render: (g) => h('span', { class: g.lag > 0 ? 'lag' : '' }, num(g.lag)) },
  ];
  const grid = table(columns, [], { testid: 'groups-table' });
  let all = null;

  const render = () => {
    if (!all) return;
    const f = filter.value.trim().toLowerCase();
    const rows = all.filter((g) => !f || g.group_id.toLowerCase().includes(f));
    fillBody(grid.querySelector('tbody'), columns, rows, {
      reuse: true,
      rowTestid: (g) => `group-row-${g.group_id}`,
      empty: all.length ? 'No group matches the filter.' : 'No consumer groups yet.',
      onRowClick: (g) => { location.hash = groupHref(g.group_id); },
    });
    summary.textContent = `${rows.length} of ${all.length} groups`;
  };

  const load = async () => {
    const r = await Api.groups();
    if (!ctx.alive()) return;
    all = (r.groups || []).slice().sort((a, b) => a.group_id.localeCompare(b.group_id));
    render();
  };

  ctx.root.append(h('div.page-head', null, h('h1', null, 'Consumer groups')),
    h('div.toolbar', null, filter, summary), errorSlot, grid);
  try {
    await load();
  } catch (err) {
    errorSlot.append(errorBox(err));
  }
  ctx.every(load);
}
