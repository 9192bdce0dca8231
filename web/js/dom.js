// Small DOM helpers: elements are built with h(), never from HTML strings, so record
// contents (keys, values, headers) can never inject markup.

// h('div.card.wide', {testid: 'x', onclick: fn}, child, ...): `tag` may carry classes
// after dots. Props: `class`, `testid` (data-testid), `on<event>` listeners, `dataset`,
// DOM properties for non-string values (disabled: true, value: 3), attributes otherwise.
// Children: nodes, strings, numbers, arrays; null/false/undefined are skipped.
export function h(tag, props, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = el.className ? `${el.className} ${v}` : v;
    else if (k === 'testid') el.dataset.testid = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (typeof v !== 'string' && k in el) el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  add(el, children);
  return el;
}

export function add(el, children) {
  for (const c of [children].flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren();
  return add(el, children);
}

// A table from column definitions: {label, render(row) -> node|string, cls, title}.
// Options: testid of the table, rowTestid(row), rowClass(row), empty (text when no row),
// onRowClick(row, tr, event).
export function table(columns, rows, opts = {}) {
  const head = h('thead', null, h('tr', null, columns.map((c) =>
    h('th', { class: c.cls, title: c.title }, c.label))));
  const body = h('tbody');
  fillBody(body, columns, rows, opts);
  return h('table.grid', { testid: opts.testid }, head, body);
}

// With opts.reuse (true, or a string for state the rows do not show), an unchanged table
// is left alone: auto-refresh then keeps hover, focus and text selection.
export function fillBody(body, columns, rows, opts = {}) {
  if (opts.reuse) {
    const sig = `${JSON.stringify(rows)}|${opts.reuse}|${opts.empty || ''}`;
    if (body.samsaSig === sig) return;
    body.samsaSig = sig;
  }
  body.replaceChildren();
  if (!rows.length) {
    body.append(h('tr.empty', null, h('td', { colSpan: columns.length }, opts.empty || 'Nothing here.')));
    return;
  }
  for (const row of rows) {
    const tr = h('tr', {
      testid: opts.rowTestid?.(row),
      class: opts.rowClass?.(row) || null,
    }, columns.map((c) => h('td', { class: c.cls }, c.render(row))));
    if (opts.onRowClick) {
      tr.classList.add('clickable');
      tr.tabIndex = 0;
      tr.addEventListener('click', (e) => {
        if (e.target.closest('a,button,input,select,textarea')) return;
        opts.onRowClick(row, tr, e);
      });
      tr.addEventListener('keydown', (e) => {
        if (e.target === tr && (e.key === 'Enter' || e.key === ' ')) {
          e.preventDefault();
          opts.onRowClick(row, tr, e);
        }
      });
    }
    body.append(tr);
  }
}

export function link(href, text, props = {}) {
  return h('a', { href, ...props }, text);
}

export function button(label, onclick, props = {}) {
  return h('button', { type: 'button', onclick, ...props }, label);
}

export function badge(text, kind = '') {
  return h(`span.badge${kind ? '.' + kind : ''}`, null, text);
}

// A labelled form field: field('Partitions', input).
export function field(label, control, hint) {
  return h('label.field', null, h('span.label', null, label), control, hint ? h('span.hint', null, hint) : null);
}

// A labelled value for summary blocks.
export function stat(label, value, testid) {
  return h('div.stat', null, h('div.stat-label', null, label), h('div.stat-value', { testid }, value));
}

export function section(title, ...children) {
  return h('section.panel', null, title ? h('h2', null, title) : null, ...children);
}

// The readable message of an error thrown by api() or anything else.
export function errorText(err) {
  if (!err) return '';
  if (err.code && err.message) return `${err.message} (${err.code})`;
  return err.message || String(err);
}

export function errorBox(err, testid = 'error') {
  return h('div.error', { testid, role: 'alert' }, errorText(err));
}

// Transient notifications in the corner.
export function toast(text, kind = 'ok') {
  let box = document.getElementById('toasts');
  if (!box) return;
  const t = h(`div.toast.${kind}`, { testid: 'toast', role: kind === 'bad' ? 'alert' : 'status' }, text);
  box.append(t);
  setTimeout(() => t.remove(), kind === 'bad' ? 9000 : 4000);
}

// A modal dialog (<dialog>). `body` is a node; `actions` are {label, kind, testid,
// run: async () => boolean|void} — the dialog closes when run resolves to anything but
// false; a thrown error is shown inside the dialog. Returns {dialog, close, setError}.
export function modal({ title, body, actions = [], testid, wide = false }) {
  const errorSlot = h('div.dialog-error-slot');
  const buttons = actions.map((a) => {
    const b = button(a.label, null, { class: a.kind || '', testid: a.testid, disabled: a.disabled });
    b.addEventListener('click', async () => {
      errorSlot.replaceChildren();
      for (const x of buttons) x.disabled = true;
      try {
        const keep = await a.run?.();
        if (keep !== false) close();
      } catch (err) {
        errorSlot.append(errorBox(err, 'dialog-error'));
      } finally {
        for (const [i, x] of buttons.entries()) x.disabled = !!actions[i].isDisabled?.();
      }
    });
    return b;
  });
  const cancel = button('Cancel', () => close(), { testid: 'dialog-cancel' });
  // Enter in a one-line field runs the first action, as a form's submit would.
  const onKey = (e) => {
    if (e.key !== 'Enter' || e.isComposing || e.target.tagName !== 'INPUT') return;
    e.preventDefault();
    if (buttons[0] && !buttons[0].disabled) buttons[0].click();
  };
  const dialog = h(`dialog.modal${wide ? '.wide' : ''}`, { testid },
    h('form.modal-inner', { method: 'dialog', onsubmit: (e) => e.preventDefault(), onkeydown: onKey },
      h('header', null, h('h2', null, title)),
      h('div.modal-body', null, body, errorSlot),
      h('footer', null, cancel, ...buttons)));
  function close() {
    dialog.close();
    dialog.remove();
  }
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  const refreshButtons = () => {
    for (const [i, x] of buttons.entries()) x.disabled = !!actions[i].isDisabled?.();
  };
  refreshButtons();
  return {
    dialog, close, buttons, refreshButtons,
    setError: (err) => errorSlot.replaceChildren(errorBox(err, 'dialog-error')),
  };
}

// key=value rows editor (topic configs on create, record headers on produce).
export function pairRows({ keyLabel = 'Key', valueLabel = 'Value', addLabel = 'Add', testid, keyList }) {
  const rows = h('div.pair-rows', { testid });
  const addRow = (k = '', v = '') => {
    const key = h('input', { type: 'text', placeholder: keyLabel, value: k, testid: `${testid}-key`, list: keyList });
    const value = h('input', { type: 'text', placeholder: valueLabel, value: v, testid: `${testid}-value` });
    const row = h('div.pair-row', null, key, value,
      button('×', () => row.remove(), { class: 'icon', title: 'Remove this row' }));
    rows.append(row);
    return row;
  };
  const el = h('div.pairs', null, rows, button(addLabel, () => addRow().querySelector('input').focus(), {
    class: 'small', testid: `${testid}-add`,
  }));
  return {
    el,
    addRow,
    // [[key, value]] of the rows whose key is not blank.
    values: () => [...rows.querySelectorAll('.pair-row')].map((r) => {
      const [k, v] = r.querySelectorAll('input');
      return [k.value.trim(), v.value];
    }).filter(([k]) => k !== ''),
  };
}
