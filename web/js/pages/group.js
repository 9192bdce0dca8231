// #/groups/ID: a group's state, members and offsets (committed, end, lag), the offset
// reset (preview first, then apply) and deleting the group.
//
// Query (prefills the reset, e.g. from the message browser's "skip this record"):
// topic, partition, to (earliest|latest|timestamp|offset|skip|shift), offset, timestamp,
// shift, record (the offset of the record being skipped, for the explanation).
import { Api } from '../api.js';
import {
  h, clear, table, fillBody, link, badge, button, field, modal, toast, errorBox, errorText, stat, section,
} from '../dom.js';
import { num, toLocalInput, fromLocalInput } from '../format.js';
import { stateKind } from './messages.js';
import { topicHref } from './topics.js';

const STUCK_AFTER_MS = 15_000;

export default async function group(ctx) {
  const [id] = ctx.params;
  const q = ctx.query;
  ctx.title(`Group ${id}`);
  let info = null;
  const seen = new Map(); // "topic/partition" -> {committed, since}: lag that does not move

  const stateBadge = h('span', { testid: 'group-state' });
  const head = h('div.page-head', null,
    h('h1', null, h('a.crumb', { href: '#/groups' }, 'Consumer groups'), ' / ', h('span', { testid: 'group-id' }, id), ' ', stateBadge),
    h('div.head-actions', null, button('Delete group…', () => deleteDialog(), { class: 'danger', testid: 'delete-group' })));
  const summary = h('div.stats.summary', { testid: 'group-summary' });
  const errorSlot = h('div');

  const memberColumns = [
    { label: 'Client id', render: (m) => m.client_id || h('span.muted', null, '–') },
    { label: 'Host', render: (m) => m.host || '–' },
    { label: 'Member id', render: (m) => h('code.small', { title: m.member_id }, m.member_id) },
    { label: 'Instance id', render: (m) => m.group_instance_id || h('span.muted', null, '–') },
    {
      label: 'Assignment', render: (m) => ((m.assignment || []).length
        ? (m.assignment || []).map((a) => h('div', null, link(topicHref(a.topic), a.topic), `: ${a.partitions.join(', ')}`))
        : h('span.muted', null, 'nothing assigned')),
    },
  ];
  const membersTable = table(memberColumns, [], { testid: 'group-members' });

  const offsetColumns = [
    { label: 'Topic', render: (o) => link(topicHref(o.topic), o.topic) },
    { label: 'Partition', cls: 'num', render: (o) => o.partition },
    { label: 'Committed', cls: 'num', render: (o) => h('span', { testid: 'committed' }, num(o.committed)) },
    { label: 'End offset', cls: 'num', render: (o) => num(o.end_offset) },
    {
      label: 'Lag', cls: 'num', render: (o) => [
        h('span', { class: o.lag > 0 ? 'lag' : '', testid: 'lag' }, num(o.lag)),
        stuckFor(o) ? [' ', h('span.badge.warn', { title: 'The committed offset has not moved while records wait' }, `not moving ${Math.round(stuckFor(o) / 1000)}s`)] : null,
      ],
    },
    { label: 'Metadata', render: (o) => o.metadata || h('span.muted', null, '–') },
    {
      label: '', cls: 'actions', render: (o) => [
        o.lag > 0 && o.committed >= 0
          ? link(recordHref(o.topic, o.partition, o.committed), 'Record at committed', {
            class: 'button small', testid: `view-record-${o.topic}-${o.partition}`, title: 'The next record this group will read',
          })
          : null,
        button('Reset…', () => prefill({ topic: o.topic, partition: String(o.partition), to: 'skip' }), {
          class: 'small', testid: `reset-row-${o.topic}-${o.partition}`,
        }),
      ],
    },
  ];
  const offsetsTable = table(offsetColumns, [], { testid: 'group-offsets' });
  const totalLag = h('span', { testid: 'group-total-lag' });

  function stuckFor(o) {
    const s = seen.get(`${o.topic}/${o.partition}`);
    if (!s || !(o.lag > 0)) return 0;
    const t = Date.now() - s.since;
    return t >= STUCK_AFTER_MS ? t : 0;
  }

  function render() {
    if (!info) return;
    clear(stateBadge, badge(info.state, stateKind(info.state)));
    const now = Date.now();
    for (const o of info.offsets || []) {
      const k = `${o.topic}/${o.partition}`;
      const s = seen.get(k);
      if (!s || s.committed !== o.committed) seen.set(k, { committed: o.committed, since: now });
    }
    clear(summary,
      stat('State', info.state),
      stat('Type', info.type === 'consumer' ? 'consumer (KIP-848)' : info.type || '–', 'group-type'),
      stat('Protocol type', info.protocol_type || '–'),
      stat('Assignor', info.protocol || '–', 'group-protocol'),
      stat('Coordinator', info.coordinator ?? '–'),
      stat('Members', num((info.members || []).length), 'group-member-count'),
      stat('Total lag', num(info.total_lag)));
    totalLag.textContent = num(info.total_lag);
    fillBody(membersTable.querySelector('tbody'), memberColumns, info.members || [], {
      reuse: true,
      rowTestid: (m) => `member-${m.member_id}`,
      empty: 'No members: the group is inactive, its offsets can be reset.',
    });
    fillBody(offsetsTable.querySelector('tbody'), offsetColumns, info.offsets || [], {
      reuse: (info.offsets || []).map((o) => Math.round(stuckFor(o) / 1000)).join(','),
      rowTestid: (o) => `offset-row-${o.topic}-${o.partition}`,
      rowClass: (o) => (stuckFor(o) ? 'stuck' : ''),
      empty: 'No committed offsets.',
    });
    refreshResetHint();
  }

  async function load() {
    try {
      const g = await Api.group(id);
      if (!ctx.alive()) return;
      info = g;
      errorSlot.replaceChildren();
      render();
    } catch (err) {
      if (!ctx.alive()) return;
      if (err.status === 404) {
        clear(errorSlot, h('div.notice', { testid: 'group-missing' },
          `No group ${id} is known: it has no members and no committed offsets. A reset below creates its offsets.`));
        return;
      }
      throw err;
    }
  }

  // --- reset offsets
  const rTopic = h('select', { testid: 'reset-topic' });
  const rPartition = h('select', { testid: 'reset-partition' });
  const rTo = h('select', { testid: 'reset-to' },
    [['earliest', 'earliest (start of the log)'], ['latest', 'latest (end of the log: skip everything waiting)'],
      ['timestamp', 'a timestamp'], ['offset', 'a specific offset'],
      ['skip', 'skip the current record (committed + 1)'], ['shift', 'shift by N']]
      .map(([v, l]) => h('option', { value: v }, l)));
  const rOffset = h('input', { type: 'number', min: 0, testid: 'reset-offset', placeholder: 'offset' });
  const rTimestamp = h('input', { type: 'datetime-local', step: '0.001', testid: 'reset-timestamp', value: toLocalInput(Date.now() - 3600_000) });
  const rShift = h('input', { type: 'number', testid: 'reset-shift', placeholder: '-10 or 5', value: '1' });
  const offsetField = field('Offset', rOffset);
  const timestampField = field('Timestamp (local time)', rTimestamp);
  const shiftField = field('Shift by', rShift, 'negative goes back');
  const previewBtn = button('Preview', () => runReset(true), { testid: 'reset-preview', disabled: true });
  const applyBtn = button('Apply', () => runReset(false), { class: 'primary', testid: 'reset-apply', disabled: true, title: 'Preview first' });
  const resetHint = h('div', { testid: 'reset-hint' });
  const resetContext = h('div');
  const resetOut = h('div', { testid: 'reset-output' });
  let previewed = null; // JSON of the request the shown preview was made for
  let topicsList = [];

  const resetPanel = h('section.panel.reset', { testid: 'reset-panel', id: 'reset' },
    h('h2', null, 'Reset offsets'),
    resetContext,
    h('form.reset-form', { novalidate: true, onsubmit: (e) => { e.preventDefault(); runReset(true); } },
      field('Topic', rTopic), field('Partitions', rPartition), field('Move to', rTo),
      offsetField, timestampField, shiftField,
      h('div.field.buttons', null, previewBtn, applyBtn)),
    resetHint, resetOut);

  const showFields = () => {
    offsetField.hidden = rTo.value !== 'offset';
    timestampField.hidden = rTo.value !== 'timestamp';
    shiftField.hidden = rTo.value !== 'shift';
  };
  const invalidate = () => {
    if (previewed && previewed !== JSON.stringify(request(true))) {
      previewed = null;
      applyBtn.disabled = true;
      applyBtn.title = 'Preview first';
      clear(resetOut, h('p.muted', null, 'The settings changed: preview again before applying.'));
    }
  };
  for (const el of [rTopic, rPartition, rTo, rOffset, rTimestamp, rShift]) {
    el.addEventListener('input', () => { showFields(); invalidate(); });
    el.addEventListener('change', () => { showFields(); invalidate(); });
  }
  rTopic.addEventListener('change', () => fillPartitions());

  function topicOptions() {
    const fromOffsets = [...new Set((info?.offsets || []).map((o) => o.topic))];
    const others = topicsList.filter((t) => !t.internal && !fromOffsets.includes(t.name)).map((t) => t.name);
    const keep = rTopic.value;
    if (keep && !fromOffsets.includes(keep) && !others.includes(keep)) others.push(keep);
    const want = [...fromOffsets, ...others];
    if (want.join('\n') === [...rTopic.options].map((o) => o.value).join('\n')) return;
    clear(rTopic,
      fromOffsets.length ? h('optgroup', { label: 'with committed offsets' }, fromOffsets.map((t) => h('option', { value: t }, t))) : null,
      others.length ? h('optgroup', { label: 'other topics' }, others.map((t) => h('option', { value: t }, t))) : null);
    if (keep && [...rTopic.options].some((o) => o.value === keep)) rTopic.value = keep;
  }

  function fillPartitions(want) {
    const t = topicsList.find((x) => x.name === rTopic.value);
    const n = t ? t.partitions : Math.max(0, ...(info?.offsets || []).filter((o) => o.topic === rTopic.value).map((o) => o.partition + 1));
    const keep = want ?? rPartition.value;
    clear(rPartition, h('option', { value: 'all' }, 'all partitions'),
      Array.from({ length: n }, (_, i) => h('option', { value: String(i) }, `partition ${i}`)));
    if (keep && [...rPartition.options].some((o) => o.value === keep)) rPartition.value = keep;
  }

  function request(dryRun) {
    const r = { topic: rTopic.value, to: rTo.value, dry_run: dryRun };
    if (rPartition.value !== 'all' && rPartition.value !== '') r.partitions = [Number(rPartition.value)];
    if (r.to === 'offset') r.offset = rOffset.value === '' ? null : Number(rOffset.value);
    if (r.to === 'timestamp') r.timestamp = fromLocalInput(rTimestamp.value);
    if (r.to === 'shift') r.shift = Number(rShift.value || 0);
    return r;
  }

  async function runReset(dryRun) {
    const req = request(dryRun);
    if (!req.topic) return clear(resetOut, errorBox(new Error('Choose a topic.'), 'reset-error'));
    if (req.to === 'offset' && req.offset == null) return clear(resetOut, errorBox(new Error('Give the offset to move to.'), 'reset-error'));
    if (req.to === 'timestamp' && req.timestamp == null) return clear(resetOut, errorBox(new Error('Give a timestamp.'), 'reset-error'));
    if (req.to === 'skip' && !req.partitions) return clear(resetOut, errorBox(new Error('Choose the partition whose current record to skip.'), 'reset-error'));
    if (!dryRun && previewed !== JSON.stringify(request(true))) return;
    previewBtn.disabled = true;
    applyBtn.disabled = true;
    try {
      const r = await Api.resetOffsets(id, req);
      if (!ctx.alive()) return;
      const rows = r.offsets || [];
      const changed = rows.filter((o) => o.current !== o.new).length;
      const columns = [
        { label: 'Topic', render: (o) => o.topic },
        { label: 'Partition', cls: 'num', render: (o) => o.partition },
        { label: 'Current', cls: 'num', render: (o) => h('span', { testid: 'preview-current' }, o.current == null || o.current < 0 ? 'none' : num(o.current)) },
        { label: '', cls: 'arrow', render: () => '→' },
        { label: 'New', cls: 'num', render: (o) => h('b', { testid: 'preview-new' }, num(o.new)) },
        { label: 'Change', render: (o) => change(o) },
      ];
      if (dryRun) {
        previewed = JSON.stringify(request(true));
        clear(resetOut,
          h('p', { testid: 'reset-preview-summary' }, `Preview (nothing changed yet, group ${r.state}): `,
            `${changed} of ${rows.length} partition${rows.length === 1 ? '' : 's'} would move.`),
          table(columns, rows, { testid: 'reset-preview-table', rowTestid: (o) => `reset-preview-row-${o.partition}` }));
        // The state the preview saw is the one Apply meets: the hint above follows it.
        if (info && r.state) {
          info.state = r.state;
          clear(stateBadge, badge(info.state, stateKind(info.state)));
          refreshResetHint();
        }
        applyBtn.title = 'Commit these offsets for the group';
      } else {
        previewed = null;
        applyBtn.title = 'Preview first';
        clear(resetOut,
          h('div.ok-box', { testid: 'reset-result' }, `Applied: ${id} now resumes ${req.topic} at `,
            rows.map((o) => `partition ${o.partition} → ${num(o.new)}`).join(', '), '.'),
          table(columns, rows, { testid: 'reset-applied-table' }));
        toast(`Offsets of ${id} reset.`);
        await load().catch(() => {});
      }
    } catch (err) {
      if (!ctx.alive()) return;
      const box = h('div.error', { testid: 'reset-error', role: 'alert' }, resetErrorText(err, dryRun));
      if (dryRun) clear(resetOut, box);
      else {
        // The preview stays (it is still what Apply would do); the latest error on top.
        resetOut.querySelector('[data-testid="reset-error"]')?.remove();
        resetOut.prepend(box);
      }
    } finally {
      previewBtn.disabled = false;
      applyBtn.disabled = !previewed;
    }
  }

  function resetErrorText(err, dryRun) {
    // The API's 409 for an active group names its state and members.
    if (!dryRun && err.status === 409) return `Not applied: ${errorText(err)}`;
    return `${dryRun ? 'Preview' : 'Reset'} failed: ${errorText(err)}`;
  }

  function change(o) {
    if (o.current == null || o.current < 0) return h('span.muted', null, 'first commit');
    const d = o.new - o.current;
    if (d === 0) return h('span.muted', null, 'unchanged');
    if (d > 0) return h('span.warn-text', null, `skips ${num(d)} record${d === 1 ? '' : 's'}`);
    return h('span.info-text', null, `re-reads ${num(-d)} record${d === -1 ? '' : 's'}`);
  }

  const notInactive = (state) => state && state !== 'Empty' && state !== 'Dead';
  const inactiveText = (state) => `The group is ${state}: Apply will be refused until its consumers have stopped and it is Empty.`;

  function refreshResetHint() {
    if (info && notInactive(info.state)) {
      clear(resetHint, h('p.warn-text', { testid: 'reset-active-warning' },
        `${inactiveText(info.state)} The preview works in any state.`));
    } else {
      resetHint.replaceChildren();
    }
  }

  function prefill(p) {
    if (p.topic) {
      if (![...rTopic.options].some((o) => o.value === p.topic)) rTopic.append(h('option', { value: p.topic }, p.topic));
      rTopic.value = p.topic;
    }
    fillPartitions(p.partition ?? 'all');
    if (p.to) rTo.value = p.to;
    if (p.offset != null) rOffset.value = p.offset;
    if (p.timestamp != null) rTimestamp.value = toLocalInput(Number(p.timestamp));
    if (p.shift != null) rShift.value = p.shift;
    showFields();
    invalidate();
    resetPanel.scrollIntoView({ block: 'start', behavior: 'smooth' });
    resetPanel.classList.add('flash');
    setTimeout(() => resetPanel.classList.remove('flash'), 1500);
  }

  function recordHref(topic, partition, offset) {
    const p = new URLSearchParams({ partition: String(partition), from: 'offset', offset: String(offset), order: 'oldest', limit: '20', expand: `${partition}-${offset}` });
    return `${topicHref(topic)}/messages?${p}`;
  }

  function deleteDialog() {
    const members = (info?.members || []).length;
    modal({
      title: `Delete group ${id}?`,
      testid: 'delete-group-dialog',
      body: h('div.form', null,
        h('p', null, 'Deletes the group and all its committed offsets. Its consumers, when they start again, begin where ',
          h('code', null, 'auto.offset.reset'), ' says (often the latest record: everything waiting is skipped).'),
        members ? h('p.warn-text', null, `The group has ${members} member${members === 1 ? '' : 's'}: the broker refuses to delete a group that is not empty.`) : null),
      actions: [{
        label: 'Delete group', kind: 'danger', testid: 'delete-group-confirm',
        run: async () => {
          await Api.deleteGroup(id);
          toast(`Group ${id} deleted.`);
          location.hash = '#/groups';
        },
      }],
    });
  }

  ctx.root.append(head, errorSlot, summary,
    section('Members', membersTable),
    section('Offsets', h('p.muted', null, 'Total lag: ', totalLag), offsetsTable),
    resetPanel);

  const [, topicsRes] = await Promise.all([
    load().catch((err) => errorSlot.append(errorBox(err))),
    Api.topics().catch(() => ({ topics: [] })),
  ]);
  if (!ctx.alive()) return;
  topicsList = topicsRes.topics || [];
  topicOptions();
  fillPartitions('all');
  showFields();
  previewBtn.disabled = false;
  if (q.get('topic') || q.get('to')) {
    const record = q.get('record');
    if (record != null && q.get('topic')) {
      clear(resetContext, h('p.callout', { testid: 'reset-context' },
        `Skipping record ${num(Number(record))} of ${q.get('topic')} partition ${q.get('partition')}: `,
        `the group will resume at offset ${num(Number(record) + 1)}. Preview, check the change, then apply.`));
    }
    prefill({
      topic: q.get('topic'), partition: q.get('partition') ?? 'all', to: q.get('to'),
      offset: q.get('offset'), timestamp: q.get('timestamp'), shift: q.get('shift'),
    });
  }
  ctx.every(async () => {
    await load();
    if (ctx.alive()) topicOptions();
  });
}
