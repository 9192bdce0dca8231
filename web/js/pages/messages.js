// #/topics/NAME/messages: browse a topic's records (one partition or all; from the
// earliest, the latest, an offset or a timestamp; newest or oldest first; filter by key
// or text), look at one record's value as JSON, text or hex with its headers, produce a
// record, and start the "skip this record for a group" offset reset.
//
// Query: partition, from, offset, timestamp, order, limit, key, q, and expand=P-O to open
// one record (the group page links here that way to show the record a group is stuck on).
import { Api } from '../api.js';
import {
  h, clear, table, fillBody, button, field, modal, pairRows, toast, errorBox, badge, stat,
} from '../dom.js';
import {
  num, bytes, time, timeCell, preview, decodeBase64, hexDump, prettyJson, tokenizeJson,
  toLocalInput, fromLocalInput,
} from '../format.js';
import { topicHref } from './topics.js';

export default async function messages(ctx) {
  const [name] = ctx.params;
  ctx.title(`${name} messages`);
  const q = ctx.query;

  let topicInfo = null;
  try {
    topicInfo = await Api.topic(name);
  } catch (err) {
    ctx.root.append(h('h1', null, 'Messages'), errorBox(err.status === 404 ? new Error(`There is no topic named ${name}.`) : err));
    return;
  }
  if (!ctx.alive()) return;
  const partitionCount = topicInfo.partitions.length;

  // --- the browse form
  const partition = h('select', { testid: 'messages-partition' },
    h('option', { value: 'all' }, 'all partitions'),
    topicInfo.partitions.map((p) => h('option', { value: String(p.partition) }, `partition ${p.partition}`)));
  partition.value = q.get('partition') ?? 'all';
  const from = h('select', { testid: 'messages-from' },
    h('option', { value: 'latest' }, 'latest'),
    h('option', { value: 'earliest' }, 'earliest'),
    h('option', { value: 'offset' }, 'offset'),
    h('option', { value: 'timestamp' }, 'timestamp'));
  from.value = q.get('from') || 'latest';
  const offset = h('input', { type: 'number', min: 0, placeholder: 'offset', testid: 'messages-offset', value: q.get('offset') || '' });
  const tsMs = q.get('timestamp') ? Number(q.get('timestamp')) : Date.now() - 3600_000;
  const timestamp = h('input', { type: 'datetime-local', step: '0.001', testid: 'messages-timestamp', value: toLocalInput(tsMs) });
  const order = h('select', { testid: 'messages-order' },
    h('option', { value: 'newest' }, 'newest first'),
    h('option', { value: 'oldest' }, 'oldest first'));
  order.value = q.get('order') || (from.value === 'latest' ? 'newest' : 'oldest');
  const limit = h('input', { type: 'number', min: 1, max: 500, value: q.get('limit') || '50', testid: 'messages-limit', class: 'narrow' });
  const key = h('input', { type: 'search', placeholder: 'exact key', testid: 'messages-key', value: q.get('key') || '' });
  const text = h('input', { type: 'search', placeholder: 'text in key, value or headers', testid: 'messages-q', value: q.get('q') || '' });
  const offsetField = field('Offset', offset);
  const timestampField = field('Timestamp (local time)', timestamp);
  const showStartFields = () => {
    offsetField.hidden = from.value !== 'offset';
    timestampField.hidden = from.value !== 'timestamp';
  };
  from.addEventListener('change', () => {
    showStartFields();
    order.value = from.value === 'latest' ? 'newest' : 'oldest';
  });
  showStartFields();
  const form = h('form.browse', {
    testid: 'messages-form', novalidate: true,
    onsubmit: (e) => { e.preventDefault(); expand = null; load(); },
  },
  field('Partition', partition), field('Start at', from), offsetField, timestampField,
  field('Order', order), field('Limit', limit), field('Key', key), field('Search', text),
  h('div.field.buttons', null, h('button', { type: 'submit', class: 'primary', testid: 'messages-load' }, 'Load')));

  const status = h('div.status-line', { testid: 'messages-status' });
  const errorSlot = h('div');
  const produceResult = h('div', { testid: 'produce-result' });

  // --- the record table; a click opens the record below its row
  const columns = [
    { label: 'Partition', cls: 'num', render: (m) => m.partition },
    { label: 'Offset', cls: 'num', render: (m) => h('span', { testid: 'message-offset' }, m.offset) },
    { label: 'Timestamp', render: (m) => timeCell(m.timestamp) },
    { label: 'Key', cls: 'key-cell', render: (m) => preview(m.key, 40) },
    { label: 'Value', cls: 'value-cell', render: (m) => preview(m.value, 140) },
    {
      label: 'Headers', render: (m) => [
        m.headers?.length ? num(m.headers.length) : h('span.muted', null, '0'),
        m.type_id ? [' ', h('span.badge.type', { title: `__TypeId__ ${m.type_id}` }, shortType(m.type_id))] : null,
      ],
    },
  ];
  const grid = table(columns, [], { testid: 'messages-table', empty: '' });
  const tbody = grid.querySelector('tbody');
  let rows = [];
  let expand = q.get('expand');

  const settings = () => {
    const s = { partition: partition.value, from: from.value, order: order.value, limit: limit.value || 50 };
    if (from.value === 'offset') s.offset = offset.value || 0;
    if (from.value === 'timestamp') s.timestamp = fromLocalInput(timestamp.value) ?? Date.now();
    if (key.value !== '') s.key = key.value;
    if (text.value !== '') s.q = text.value;
    return s;
  };

  async function load() {
    const s = settings();
    ctx.replaceQuery({ ...s, expand });
    errorSlot.replaceChildren();
    status.textContent = 'Loading…';
    status.classList.add('busy');
    try {
      const r = await Api.messages(name, s);
      if (!ctx.alive()) return;
      rows = r.messages || [];
      render();
      const parts = [`${num(rows.length)} message${rows.length === 1 ? '' : 's'}`, `${num(r.scanned)} records scanned`];
      clear(status, parts.join(' · '),
        r.truncated ? h('span.warn-text', { testid: 'messages-truncated' },
          ' · the scan stopped at its bound before the limit was reached: narrow it by partition, offset or timestamp') : null);
    } catch (err) {
      if (!ctx.alive()) return;
      status.textContent = '';
      errorSlot.append(errorBox(err));
    } finally {
      status.classList.remove('busy');
    }
  }

  function render() {
    fillBody(tbody, columns, rows, {
      rowTestid: (m) => `message-row-${m.partition}-${m.offset}`,
      empty: key.value || text.value
        ? 'No record in the scanned range matches the filter.'
        : 'No records here: the partition is empty or nothing is past the start.',
      onRowClick: (m, tr) => toggle(m, tr),
    });
    if (expand) {
      const tr = tbody.querySelector(`[data-testid="message-row-${expand}"]`);
      const m = rows.find((r) => `${r.partition}-${r.offset}` === expand);
      if (tr && m) {
        toggle(m, tr);
        tr.classList.add('highlight');
        tr.scrollIntoView({ block: 'center' });
      }
    }
  }

  function toggle(m, tr) {
    const next = tr.nextElementSibling;
    if (next?.classList.contains('detail-row')) {
      next.remove();
      tr.classList.remove('open');
      return;
    }
    tr.classList.add('open');
    tr.after(h('tr.detail-row', null, h('td', { colSpan: columns.length }, detail(m))));
  }

  function detail(m) {
    const headers = m.headers || [];
    return h('div.detail', { testid: `message-detail-${m.partition}-${m.offset}` },
      h('div.stats.detail-meta', null,
        stat('Partition', m.partition),
        stat('Offset', num(m.offset), 'detail-offset'),
        stat(`Timestamp (${m.timestamp_type || 'CreateTime'})`, h('span', { title: `${m.timestamp}` }, time(m.timestamp))),
        stat('Key', preview(m.key, 80), 'detail-key'),
        stat('Value size', m.value?.size >= 0 ? bytes(m.value.size) : 'null'),
        m.producer_id != null && m.producer_id >= 0 ? stat('Producer id', m.producer_id) : null,
        m.compression && m.compression !== 'none' ? stat('Compression', m.compression) : null,
        m.transactional ? stat('Transactional', badge('yes', 'info')) : null),
      m.type_id ? h('div.typeid', { testid: 'message-typeid' },
        h('span.typeid-label', null, 'Spring type (__TypeId__)'), h('code', null, m.type_id)) : null,
      viewer(m.value, 'Value', 'message-value'),
      m.key && m.key.format !== 'null' && (m.key.format === 'json' || m.key.text == null || m.key.size > 80)
        ? viewer(m.key, 'Key', 'message-key') : null,
      h('div.headers', null, h('h3', null, `Headers (${headers.length})`),
        headers.length
          ? table([
            { label: 'Key', render: (x) => h('code', null, x.key) },
            { label: 'Value', render: (x) => preview(x.value, 300) },
          ], headers, {
            testid: 'message-headers',
            rowTestid: (x) => `header-${x.key}`,
            rowClass: (x) => (x.key === '__TypeId__' ? 'typeid-row' : ''),
          })
          : h('p.muted', null, 'No headers.')),
      h('div.detail-actions', null,
        button('Skip this record for a group…', () => skipDialog(m), { class: 'primary', testid: 'skip-for-group' }),
        button('Browse from here', () => {
          partition.value = String(m.partition);
          from.value = 'offset';
          offset.value = m.offset;
          order.value = 'oldest';
          showStartFields();
          expand = null;
          load();
        }, { testid: 'browse-from-here' }),
        navigator.clipboard && m.value?.text != null
          ? button('Copy value', () => navigator.clipboard.writeText(m.value.text).then(() => toast('Value copied.')), { testid: 'copy-value' })
          : null));
  }

  // "The group is stuck on this record": find the groups with a committed offset on this
  // partition and go to the chosen one's reset panel with the skip prefilled.
  async function skipDialog(m) {
    const list = h('div.group-choices', { testid: 'skip-group-list' }, h('p.muted', null, 'Looking for groups with offsets on this partition…'));
    const manual = h('input', { type: 'text', placeholder: 'group id', testid: 'skip-group-manual', autocomplete: 'off' });
    let candidates = [];
    const body = h('div.form', null,
      h('p', null, 'A consumer that keeps failing on this record holds its group at offset ', h('b', null, num(m.offset)),
        ` of partition ${m.partition}. Moving the group's committed offset to `, h('b', null, num(m.offset + 1)),
        ' skips this one record; every other record stays in the topic. You will see a preview before anything changes.'),
      list,
      field('Or another group id', manual));
    const dlg = modal({
      title: `Skip ${name} partition ${m.partition} offset ${m.offset}`,
      testid: 'skip-dialog',
      body,
      actions: [{
        label: 'Continue to the reset…', kind: 'primary', testid: 'skip-continue',
        run: async () => {
          const picked = list.querySelector('input[name="skip-group"]:checked');
          const id = manual.value.trim() || picked?.value;
          if (!id) throw new Error('Choose a group (or type its id).');
          const cand = candidates.find((c) => c.group_id === id);
          const committed = cand?.offsets.find((o) => o.topic === name && o.partition === m.partition)?.committed;
          const params = new URLSearchParams({ topic: name, partition: String(m.partition), record: String(m.offset) });
          if (committed === m.offset) {
            params.set('to', 'skip');
          } else {
            params.set('to', 'offset');
            params.set('offset', String(m.offset + 1));
          }
          location.hash = `#/groups/${encodeURIComponent(id)}?${params}`;
        },
      }],
    });
    try {
      const groups = (await Api.groups()).groups || [];
      const details = await Promise.all(groups.slice(0, 100).map((g) => Api.group(g.group_id).catch(() => null)));
      candidates = details.filter((d) => d && (d.offsets || []).some((o) => o.topic === name && o.partition === m.partition));
      if (!candidates.length) {
        clear(list, h('p.muted', { testid: 'skip-no-groups' }, `No group has a committed offset on ${name} partition ${m.partition}.`));
        return;
      }
      candidates.sort((a, b) => stuckHere(b) - stuckHere(a));
      clear(list, candidates.map((g, i) => {
        const o = g.offsets.find((x) => x.topic === name && x.partition === m.partition);
        const here = o.committed === m.offset;
        return h('label.choice', { testid: `skip-group-${g.group_id}` },
          h('input', { type: 'radio', name: 'skip-group', value: g.group_id, checked: i === 0 }),
          h('span.choice-main', null, h('b', null, g.group_id), ' ', badge(g.state, stateKind(g.state))),
          h('span.muted', null, ` committed ${num(o.committed)}, lag ${num(o.lag)}`),
          here ? [' ', badge('stuck on this record', 'warn')] : null);
      }));
    } catch (err) {
      dlg.setError(err);
      clear(list);
    }
    function stuckHere(g) {
      return g.offsets.some((o) => o.topic === name && o.partition === m.partition && o.committed === m.offset) ? 1 : 0;
    }
  }

  function produceDialog() {
    const part = h('select', { testid: 'produce-partition' },
      h('option', { value: '' }, 'default partitioner (by key)'),
      Array.from({ length: partitionCount }, (_, i) => h('option', { value: String(i) }, `partition ${i}`)));
    if (partition.value !== 'all') part.value = partition.value;
    const pkey = h('input', { type: 'text', placeholder: 'key (empty: null key)', testid: 'produce-key', autocomplete: 'off' });
    const pvalue = h('textarea', { rows: 8, placeholder: '{"id": 1}', testid: 'produce-value', spellcheck: false });
    const nullValue = h('input', { type: 'checkbox', testid: 'produce-null-value' });
    nullValue.addEventListener('change', () => { pvalue.disabled = nullValue.checked; });
    const headers = pairRows({ keyLabel: 'header', valueLabel: 'value', addLabel: 'Add header', testid: 'produce-header' });
    const jsonHint = h('span.hint');
    pvalue.addEventListener('input', () => {
      const v = pvalue.value.trim();
      jsonHint.textContent = !v ? '' : tokenizeJson(v) ? 'valid JSON' : 'plain text (not JSON)';
    });
    const body = h('div.form', null,
      field('Partition', part),
      field('Key', pkey),
      h('div.field', null, h('span.label', null, 'Value'), pvalue, h('label.check', null, nullValue, ' null value (tombstone)'), jsonHint),
      h('div.field', null, h('span.label', null, 'Headers'), headers.el));
    modal({
      title: `Produce a message to ${name}`,
      testid: 'produce-dialog',
      wide: true,
      body,
      actions: [{
        label: 'Produce', kind: 'primary', testid: 'produce-submit',
        run: async () => {
          const req = {
            key: pkey.value === '' ? null : pkey.value,
            value: nullValue.checked ? null : pvalue.value,
            headers: headers.values().map(([k, v]) => ({ key: k, value: v })),
          };
          if (part.value !== '') req.partition = Number(part.value);
          const r = await Api.produce(name, req);
          clear(produceResult, h('div.ok-box', null,
            `Produced to partition ${r.partition} at offset ${num(r.offset)} (${time(r.timestamp)}).`));
          toast(`Produced to ${name}-${r.partition} at offset ${r.offset}.`);
          if (ctx.alive()) load();
        },
      }],
    });
    pvalue.focus();
  }

  ctx.root.append(
    h('div.page-head', null,
      h('h1', null, h('a.crumb', { href: '#/topics' }, 'Topics'), ' / ',
        h('a.crumb', { href: topicHref(name) }, name), ' / messages'),
      h('div.head-actions', null, button('Produce message…', produceDialog, { class: 'primary', testid: 'produce-open' }))),
    form, produceResult, status, errorSlot, grid);
  await load();
}

// "com.example.OrderCreated" -> "OrderCreated" for a compact badge.
function shortType(t) {
  const i = t.lastIndexOf('.');
  return i >= 0 ? t.slice(i + 1) : t;
}

export function stateKind(state) {
  return ({ Stable: 'ok', Empty: 'info', Dead: 'bad', PreparingRebalance: 'warn', CompletingRebalance: 'warn', Assigning: 'warn', Reconciling: 'warn' })[state] || '';
}

// A record's bytes with a JSON / text / hex switch, starting from the API's `format`.
function viewer(b, label, testid) {
  const pre = h('pre.value', { testid });
  if (!b || b.format === 'null' || b.size < 0) {
    return h('div.viewer', null, h('div.viewer-head', null, h('h3', null, label)), h('pre.value.null', { testid }, 'null'));
  }
  const tokensOk = b.text != null && tokenizeJson(b.text) != null;
  const modes = [
    ['json', 'JSON', tokensOk],
    ['text', 'Text', b.text != null],
    ['hex', 'Hex', true],
  ];
  let mode = b.format === 'json' && tokensOk ? 'json' : b.format !== 'binary' && b.text != null ? 'text' : 'hex';
  const tabs = h('div.tabs', { role: 'tablist' });
  const show = () => {
    for (const t of tabs.children) t.classList.toggle('active', t.dataset.mode === mode);
    pre.dataset.format = mode;
    if (mode === 'json') clear(pre, prettyJson(b.text));
    else if (mode === 'text') clear(pre, b.text);
    else clear(pre, hexDump(decodeBase64(b.base64)));
  };
  for (const [m, title, ok] of modes) {
    tabs.append(button(title, () => { mode = m; show(); }, {
      class: 'tab', disabled: !ok, dataset: { mode: m }, testid: `${testid}-format-${m}`, role: 'tab',
      title: ok ? null : `not ${title === 'JSON' ? 'valid JSON' : 'valid UTF-8 text'}`,
    }));
  }
  show();
  return h('div.viewer', null,
    h('div.viewer-head', null, h('h3', null, label), h('span.muted', null, `${bytes(b.size)} · detected ${b.format}`), tabs),
    b.truncated ? h('p.warn-text', { testid: `${testid}-truncated` },
      `Only the first ${bytes(b.text != null ? new TextEncoder().encode(b.text).length : decodeBase64(b.base64).length)} of ${bytes(b.size)} are shown.`) : null,
    pre);
}
