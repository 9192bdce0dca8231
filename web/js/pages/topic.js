// #/topics/NAME: partitions, configs (edit, reset), add partitions, delete records up to
// an offset, delete the topic.
import { Api } from '../api.js';
import {
  h, clear, table, fillBody, link, badge, button, field, modal, toast, errorBox, stat, section,
} from '../dom.js';
import { bytes, num } from '../format.js';
import { topicHref, configNameList } from './topics.js';

export default async function topic(ctx) {
  const [name] = ctx.params;
  ctx.title(name);
  let info = null;
  let overview = null;

  const head = h('div.page-head', null,
    h('h1', null, h('a.crumb', { href: '#/topics' }, 'Topics'), ' / ', h('span', { testid: 'topic-name' }, name)),
    h('div.head-actions', null,
      link(`${topicHref(name)}/messages`, 'Browse messages', { class: 'button primary', testid: 'browse-messages' }),
      button('Delete topic…', () => deleteTopicDialog(), { class: 'danger', testid: 'delete-topic' })));
  const summary = h('div.stats.summary', { testid: 'topic-summary' });
  const errorSlot = h('div');

  // Partitions.
  const partColumns = [
    { label: 'Partition', cls: 'num', render: (p) => p.partition },
    { label: 'Start offset', cls: 'num', render: (p) => num(p.start_offset), title: 'Log start offset: the first record still kept' },
    { label: 'End offset', cls: 'num', render: (p) => num(p.end_offset), title: 'High watermark: the offset the next record gets' },
    { label: 'Last stable', cls: 'num', render: (p) => num(p.last_stable_offset), title: 'Last stable offset (read_committed consumers stop here)' },
    { label: 'Messages', cls: 'num', render: (p) => num(p.messages) },
    { label: 'Size', cls: 'num', render: (p) => bytes(p.size_bytes) },
    { label: 'Segments', cls: 'num', render: (p) => num(p.segments) },
    {
      label: '', cls: 'actions', render: (p) => [
        link(`${topicHref(name)}/messages?partition=${p.partition}`, 'Messages', { class: 'button small' }),
        button('Delete records…', () => deleteRecordsDialog(p), { class: 'small', testid: `delete-records-${p.partition}` }),
      ],
    },
  ];
  const partTable = table(partColumns, [], { testid: 'partitions-table' });
  const newCount = h('input', { type: 'number', min: 1, testid: 'add-partitions-count', placeholder: 'new total' });
  const addPartitions = h('form.inline-form', {
    onsubmit: async (e) => {
      e.preventDefault();
      const count = Number(newCount.value);
      try {
        const r = await Api.addPartitions(name, count);
        toast(`${name} now has ${r.partitions} partitions.`);
        newCount.value = '';
        await load();
      } catch (err) {
        toast(`Could not add partitions: ${err.message}`, 'bad');
      }
    },
  }, h('span.muted', null, 'Add partitions: new total '), newCount,
  h('button', { type: 'submit', class: 'small', testid: 'add-partitions-submit' }, 'Add partitions'),
  h('span.hint', null, 'Partitions can only be added, never removed; keyed records may then map to other partitions.'));

  // Configs.
  const configFilter = h('input', { type: 'search', placeholder: 'Filter configs', testid: 'config-filter', oninput: () => renderConfigs() });
  const onlyOverrides = h('input', { type: 'checkbox', testid: 'config-only-overrides', onchange: () => renderConfigs() });
  let editing = null; // name of the config being edited
  const configColumns = [
    { label: 'Name', render: (c) => h('code', null, c.name) },
    { label: 'Value', render: (c) => configValueCell(c) },
    { label: 'Source', render: (c) => badge(sourceLabel(c.source), c.source === 'DYNAMIC_TOPIC_CONFIG' ? 'info' : '') },
    {
      label: '', cls: 'actions', render: (c) => (c.read_only ? h('span.muted', null, 'read-only') : [
        button('Edit', () => { editing = c.name; renderConfigs(); }, { class: 'small', testid: `config-edit-${c.name}` }),
        c.source === 'DYNAMIC_TOPIC_CONFIG'
          ? button('Reset', () => alter({}, [c.name]), { class: 'small', testid: `config-delete-${c.name}`, title: 'Delete the override: back to the broker default' })
          : null,
      ]),
    },
  ];
  const configTable = table(configColumns, [], { testid: 'configs-table' });
  const newKey = h('input', { type: 'text', placeholder: 'config name', list: 'topic-config-names', testid: 'config-new-key' });
  const newValue = h('input', { type: 'text', placeholder: 'value', testid: 'config-new-value' });
  const addConfig = h('form.inline-form', {
    onsubmit: (e) => {
      e.preventDefault();
      if (!newKey.value.trim()) return;
      alter({ [newKey.value.trim()]: newValue.value }, []).then((ok) => {
        if (ok) { newKey.value = ''; newValue.value = ''; }
      });
    },
  }, h('span.muted', null, 'Set a config: '), newKey, newValue,
  h('button', { type: 'submit', class: 'small', testid: 'config-new-submit' }, 'Set'), configNameList());

  function configValueCell(c) {
    if (editing === c.name) {
      const input = h('input', { type: 'text', value: c.value ?? '', testid: 'config-value-input' });
      const save = () => alter({ [c.name]: input.value }, []);
      input.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') save();
        if (e.key === 'Escape') { editing = null; renderConfigs(); }
      });
      queueMicrotask(() => input.focus());
      return h('span.edit-cell', null, input,
        button('Save', save, { class: 'small primary', testid: 'config-save' }),
        button('Cancel', () => { editing = null; renderConfigs(); }, { class: 'small' }));
    }
    if (c.sensitive) return h('span.muted', null, '(sensitive)');
    return h('span', { testid: `config-value-${c.name}` }, c.value ?? h('span.null', null, 'null'));
  }

  async function alter(set, del) {
    try {
      const r = await Api.alterConfigs(name, set, del);
      if (info && r.configs) info.configs = r.configs;
      editing = null;
      renderConfigs();
      const what = [...Object.keys(set).map((k) => `${k} set`), ...del.map((k) => `${k} reset to default`)].join(', ');
      toast(`${name}: ${what}.`);
      return true;
    } catch (err) {
      toast(`Config change refused: ${err.message} (${err.code})`, 'bad');
      return false;
    }
  }

  function renderConfigs() {
    if (!info) return;
    const f = configFilter.value.trim().toLowerCase();
    const rows = (info.configs || []).filter((c) => (!f || c.name.includes(f))
      && (!onlyOverrides.checked || c.source === 'DYNAMIC_TOPIC_CONFIG'));
    fillBody(configTable.querySelector('tbody'), configColumns, rows, {
      reuse: `editing:${editing}`,
      rowTestid: (c) => `config-row-${c.name}`,
      rowClass: (c) => (c.source === 'DYNAMIC_TOPIC_CONFIG' ? 'override' : ''),
      empty: 'No config matches.',
    });
  }

  function renderPartitions() {
    const parts = info.partitions || [];
    const total = (k) => parts.reduce((s, p) => s + (p[k] || 0), 0);
    clear(summary,
      stat('Partitions', num(parts.length), 'topic-partition-count'),
      stat('Messages', num(total('messages')), 'topic-messages'),
      stat('Size', bytes(total('size_bytes')), 'topic-size'),
      stat('Topic id', h('code', null, info.id ?? '–')),
      info.internal ? stat('Kind', badge('internal')) : null);
    fillBody(partTable.querySelector('tbody'), partColumns, parts, { reuse: true, rowTestid: (p) => `partition-row-${p.partition}` });
    newCount.min = parts.length + 1;
  }

  async function load() {
    const t = await Api.topic(name);
    if (!ctx.alive()) return;
    const first = !info;
    info = t;
    renderPartitions();
    if (first || editing == null) renderConfigs();
  }

  function deleteRecordsDialog(p) {
    const offset = h('input', { type: 'number', min: -1, value: String(p.end_offset), testid: 'delete-records-offset' });
    const body = h('div.form', null,
      h('p', null, 'Deletes every record of partition ', h('b', null, p.partition), ' below the offset given: the log start offset moves up to it. ',
        'Consumers positioned below it jump to the new start. This cannot be undone.'),
      h('p.muted', null, `Now: start ${num(p.start_offset)}, end ${num(p.end_offset)} (${num(p.messages)} messages). -1 means up to the end (all current records).`),
      field('Delete records before offset', offset));
    modal({
      title: `Delete records of ${name}-${p.partition}`,
      testid: 'delete-records-dialog',
      body,
      actions: [{
        label: 'Delete records', kind: 'danger', testid: 'delete-records-submit',
        run: async () => {
          if (offset.value === '') throw new Error('Give an offset (-1 for the end).');
          const r = await Api.deleteRecords(name, p.partition, Number(offset.value));
          toast(`${name}-${r.partition}: records before ${num(r.low_watermark)} deleted.`);
          await load().catch(() => {});
        },
      }],
    });
  }

  async function deleteTopicDialog() {
    try {
      overview = await Api.overview();
    } catch {
      overview = null;
    }
    const parts = info?.partitions || [];
    const messages = parts.reduce((s, p) => s + (p.messages || 0), 0);
    const size = parts.reduce((s, p) => s + (p.size_bytes || 0), 0);
    const confirm = h('input', { type: 'text', testid: 'delete-topic-confirm-name', autocomplete: 'off', placeholder: name });
    const disabled = overview?.settings?.delete_topic_enable === false;
    const body = h('div.form', null,
      h('p', null, 'Deleting ', h('b', null, name), ' removes all its ', h('b', null, `${num(messages)} messages`),
        ` in ${parts.length} partition${parts.length === 1 ? '' : 's'} (${bytes(size)}) for good. `,
        'Its producers and consumers get errors (or recreate it empty, if auto-creation is on). This cannot be undone.'),
      h('p.callout', null, 'If a consumer is stuck on one bad record, you do not need to delete the topic: ',
        'browse to the record and use ', h('b', null, 'Skip this record for a group'), ', or reset the group\'s offsets.'),
      disabled ? h('p.warn-text', { testid: 'delete-topic-disabled-hint' },
        'This broker has delete.topic.enable=false: it will refuse the deletion.') : null,
      field(`Type the topic name to confirm`, confirm));
    const dlg = modal({
      title: `Delete topic ${name}?`,
      testid: 'delete-topic-dialog',
      body,
      actions: [{
        label: 'Delete topic', kind: 'danger', testid: 'delete-topic-confirm',
        isDisabled: () => confirm.value !== name,
        run: async () => {
          try {
            await Api.deleteTopic(name);
          } catch (err) {
            if (err.code === 'TOPIC_DELETION_DISABLED') {
              const e = new Error('The broker refused: topic deletion is disabled (delete.topic.enable=false). '
                + 'Nothing was deleted. To empty the topic instead, delete its records per partition.');
              e.code = err.code;
              throw e;
            }
            throw err;
          }
          toast(`Topic ${name} deleted.`);
          location.hash = '#/topics';
        },
      }],
    });
    confirm.addEventListener('input', dlg.refreshButtons);
    confirm.focus();
  }

  ctx.root.append(head, errorSlot, summary,
    section('Partitions', partTable, addPartitions),
    section('Configs', h('div.toolbar', null, configFilter, h('label.check', null, onlyOverrides, ' only overrides')),
      configTable, addConfig));
  try {
    await load();
  } catch (err) {
    if (err.status === 404) {
      clear(ctx.root, head, errorBox(new Error(`There is no topic named ${name}.`)));
      return;
    }
    errorSlot.append(errorBox(err));
  }
  ctx.every(async () => {
    if (!info) return;
    const t = await Api.topic(name);
    if (!ctx.alive()) return;
    info.partitions = t.partitions;
    info.id = t.id;
    renderPartitions();
  });
}

function sourceLabel(source) {
  return ({
    DEFAULT_CONFIG: 'default',
    DYNAMIC_TOPIC_CONFIG: 'topic override',
    STATIC_BROKER_CONFIG: 'broker config',
    DYNAMIC_BROKER_CONFIG: 'broker (dynamic)',
    DYNAMIC_DEFAULT_BROKER_CONFIG: 'broker default (dynamic)',
  })[source] || source || '–';
}
