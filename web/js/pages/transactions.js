// #/transactions: ongoing transactions, and the producers (idempotent or transactional)
// the broker keeps state for on a topic's partitions.
import { Api } from '../api.js';
import { h, table, fillBody, link, badge, section, errorBox, field } from '../dom.js';
import { num, timeCell, duration } from '../format.js';
import { topicHref } from './topics.js';

export default async function transactions(ctx) {
  ctx.title('Transactions');
  const txnColumns = [
    { label: 'Transactional id', render: (t) => h('code', null, t.transactional_id) },
    { label: 'Producer id', cls: 'num', render: (t) => t.producer_id },
    { label: 'Epoch', cls: 'num', render: (t) => t.producer_epoch },
    { label: 'State', render: (t) => badge(t.state, t.state === 'Ongoing' ? 'warn' : t.state?.startsWith('Prepare') ? 'info' : '') },
    { label: 'Open for', cls: 'num', render: (t) => (t.start_time_ms > 0 ? duration(Date.now() - t.start_time_ms) : '–') },
    { label: 'Timeout', cls: 'num', render: (t) => duration(t.timeout_ms) },
    {
      label: 'Partitions', render: (t) => {
        const by = new Map();
        for (const p of t.partitions || []) by.set(p.topic, [...(by.get(p.topic) || []), p.partition]);
        return by.size ? [...by].map(([topic, ps]) => h('div', null, link(topicHref(topic), topic), `: ${ps.sort((a, b) => a - b).join(', ')}`))
          : h('span.muted', null, 'none yet');
      },
    },
  ];
  const txnTable = table(txnColumns, [], { testid: 'transactions-table' });
  const txnError = h('div');

  const topicSelect = h('select', { testid: 'producers-topic' });
  const prodColumns = [
    { label: 'Partition', cls: 'num', render: (p) => p.partition },
    { label: 'Producer id', cls: 'num', render: (p) => p.producer_id },
    { label: 'Epoch', cls: 'num', render: (p) => p.producer_epoch },
    { label: 'Last sequence', cls: 'num', render: (p) => num(p.last_sequence) },
    { label: 'Last write', render: (p) => timeCell(p.last_timestamp) },
    {
      label: 'Open transaction from', cls: 'num',
      render: (p) => (p.current_txn_start_offset >= 0 ? h('span.warn-text', null, `offset ${num(p.current_txn_start_offset)}`) : h('span.muted', null, '–')),
    },
  ];
  const prodTable = table(prodColumns, [], { testid: 'producers-table' });
  const prodError = h('div');

  async function loadTransactions() {
    try {
      const r = await Api.transactions();
      if (!ctx.alive()) return;
      txnError.replaceChildren();
      const rows = (r.transactions || []).slice().sort((a, b) => a.transactional_id.localeCompare(b.transactional_id));
      fillBody(txnTable.querySelector('tbody'), txnColumns, rows, {
        rowTestid: (t) => `txn-${t.transactional_id}`,
        empty: 'No transactions. Producers with a transactional.id appear here.',
      });
    } catch (err) {
      if (ctx.alive()) txnError.replaceChildren(errorBox(err));
    }
  }

  async function loadTopics() {
    const r = await Api.topics();
    if (!ctx.alive()) return;
    const names = (r.topics || []).filter((t) => !t.internal).map((t) => t.name);
    const keep = topicSelect.value || ctx.query.get('topic');
    if (names.join('\n') !== [...topicSelect.options].map((o) => o.value).join('\n')) {
      topicSelect.replaceChildren(...names.map((n) => h('option', { value: n }, n)));
    }
    if (keep && names.includes(keep)) topicSelect.value = keep;
  }

  async function loadProducers() {
    const topic = topicSelect.value;
    if (!topic) {
      fillBody(prodTable.querySelector('tbody'), prodColumns, [], { empty: 'No topics.' });
      return;
    }
    try {
      const r = await Api.producers(topic);
      if (!ctx.alive() || topicSelect.value !== topic) return;
      prodError.replaceChildren();
      const rows = (r.producers || []).slice().sort((a, b) => a.partition - b.partition || a.producer_id - b.producer_id);
      fillBody(prodTable.querySelector('tbody'), prodColumns, rows, {
        reuse: true,
        rowTestid: (p) => `producer-${p.partition}-${p.producer_id}`,
        empty: `No producer state on ${topic}: only idempotent and transactional producers are tracked.`,
      });
    } catch (err) {
      if (ctx.alive()) prodError.replaceChildren(errorBox(err));
    }
  }

  topicSelect.addEventListener('change', () => {
    ctx.replaceQuery({ topic: topicSelect.value });
    loadProducers();
  });

  ctx.root.append(h('div.page-head', null, h('h1', null, 'Transactions and producers')),
    section('Transactions', txnError, txnTable),
    section('Producers', h('div.toolbar', null, field('Topic', topicSelect)), prodError, prodTable));
  await Promise.all([loadTransactions(), loadTopics().then(loadProducers).catch((err) => prodError.append(errorBox(err)))]);
  ctx.every(async () => {
    await loadTransactions();
    await loadTopics();
    await loadProducers();
  });
}
