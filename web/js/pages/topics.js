// #/topics: every topic with its size, message count and rate in; filter; create.
import { Api } from '../api.js';
import { h, table, fillBody, link, badge, button, field, modal, pairRows, toast, errorBox } from '../dom.js';
import { bytes, num, rate } from '../format.js';

export const topicHref = (name) => `#/topics/${encodeURIComponent(name)}`;

export default async function topics(ctx) {
  ctx.title('Topics');
  const filter = h('input', {
    type: 'search', placeholder: 'Filter by name', testid: 'topic-filter',
    value: ctx.query.get('filter') || '', oninput: () => { render(); ctx.replaceQuery({ filter: filter.value }); },
  });
  const showInternal = h('input', { type: 'checkbox', testid: 'topic-show-internal', onchange: () => render() });
  const summary = h('span.muted', { testid: 'topics-summary' });
  const errorSlot = h('div');
  const columns = [
    { label: 'Name', render: (t) => [link(topicHref(t.name), t.name), t.internal ? [' ', badge('internal')] : null] },
    { label: 'Partitions', cls: 'num', render: (t) => num(t.partitions) },
    { label: 'Size', cls: 'num', render: (t) => bytes(t.size_bytes) },
    { label: 'Messages', cls: 'num', render: (t) => num(t.messages), title: 'Sum over partitions of end offset minus start offset' },
    { label: 'Rate in', cls: 'num', render: (t) => h('span', { title: `${rate(t.bytes_in_per_sec, ' B/s')}` }, rate(t.records_in_per_sec, ' msg/s')) },
    { label: '', cls: 'actions', render: (t) => link(`${topicHref(t.name)}/messages`, 'Messages', { class: 'button small' }) },
  ];
  const grid = table(columns, [], { testid: 'topics-table' });
  const tbody = grid.querySelector('tbody');
  let all = null;

  const render = () => {
    if (!all) return;
    const f = filter.value.trim().toLowerCase();
    const rows = all.filter((t) => (showInternal.checked || !t.internal) && (!f || t.name.toLowerCase().includes(f)));
    fillBody(tbody, columns, rows, {
      reuse: true,
      rowTestid: (t) => `topic-row-${t.name}`,
      empty: all.length ? 'No topic matches the filter.' : 'No topics yet. Create one, or produce to a new name if auto-creation is on.',
      onRowClick: (t) => { location.hash = topicHref(t.name); },
    });
    const hidden = all.filter((t) => t.internal).length;
    summary.textContent = `${rows.length} of ${all.length} topics` + (hidden && !showInternal.checked ? ` (${hidden} internal hidden)` : '');
  };

  const load = async () => {
    const r = await Api.topics();
    if (!ctx.alive()) return;
    all = r.topics || [];
    render();
  };

  ctx.root.append(
    h('div.page-head', null, h('h1', null, 'Topics'),
      button('Create topic', () => createDialog(ctx, load), { class: 'primary', testid: 'create-topic' })),
    h('div.toolbar', null, filter, h('label.check', null, showInternal, ' show internal topics'), summary),
    errorSlot, grid);
  try {
    await load();
  } catch (err) {
    errorSlot.append(errorBox(err));
  }
  ctx.every(load);
}

function createDialog(ctx, reload) {
  const name = h('input', { type: 'text', required: true, placeholder: 'orders', testid: 'create-topic-name', autocomplete: 'off' });
  const partitions = h('input', { type: 'number', min: 1, max: 10000, placeholder: 'broker default (num.partitions)', testid: 'create-topic-partitions' });
  const configs = pairRows({ keyLabel: 'config name, e.g. retention.ms', valueLabel: 'value', addLabel: 'Add config', testid: 'create-topic-config', keyList: 'topic-config-names' });
  const body = h('div.form', null,
    field('Name', name, 'Letters, digits, ".", "_" and "-"; at most 249 characters.'),
    field('Partitions', partitions),
    h('div.field', null, h('span.label', null, 'Configs'), configs.el),
    configNameList());
  modal({
    title: 'Create topic',
    testid: 'create-topic-dialog',
    body,
    actions: [{
      label: 'Create', kind: 'primary', testid: 'create-topic-submit',
      run: async () => {
        const topic = name.value.trim();
        if (!topic) throw new Error('A topic needs a name.');
        const req = { name: topic, configs: Object.fromEntries(configs.values()) };
        if (partitions.value !== '') req.partitions = Number(partitions.value);
        const r = await Api.createTopic(req);
        toast(`Topic ${r.name} created with ${r.partitions} partition${r.partitions === 1 ? '' : 's'}.`);
        if (ctx.alive()) await reload().catch(() => {});
      },
    }],
  });
  name.focus();
}

// Kafka's topic-level config names, offered as completions.
export const TOPIC_CONFIGS = [
  'cleanup.policy', 'compression.type', 'delete.retention.ms', 'file.delete.delay.ms', 'flush.messages',
  'flush.ms', 'index.interval.bytes', 'max.compaction.lag.ms', 'max.message.bytes',
  'message.timestamp.after.max.ms', 'message.timestamp.before.max.ms', 'message.timestamp.type',
  'min.cleanable.dirty.ratio', 'min.compaction.lag.ms', 'min.insync.replicas', 'preallocate',
  'retention.bytes', 'retention.ms', 'segment.bytes', 'segment.index.bytes', 'segment.jitter.ms', 'segment.ms',
];

export function configNameList() {
  return h('datalist', { id: 'topic-config-names' }, TOPIC_CONFIGS.map((c) => h('option', { value: c })));
}
