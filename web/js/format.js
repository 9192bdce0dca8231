// Formatting of numbers, sizes, times and record bytes for display.
import { h } from './dom.js';

const numberFormat = new Intl.NumberFormat('en-US');

export function num(n) {
  if (n == null || Number.isNaN(n)) return '–';
  return numberFormat.format(n);
}

export function bytes(n) {
  if (n == null || n < 0) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

export function rate(perSec, unit = '/s') {
  if (perSec == null) return '–';
  if (perSec === 0) return `0${unit}`;
  if (perSec < 10) return `${perSec.toFixed(1)}${unit}`;
  return `${num(Math.round(perSec))}${unit}`;
}

export function duration(ms) {
  if (ms == null) return '–';
  let s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const hr = Math.floor(s / 3600);
  s -= hr * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d) return `${d}d ${hr}h ${m}m`;
  if (hr) return `${hr}h ${m}m ${s}s`;
  if (m) return `${m}m ${s}s`;
  return `${s}s`;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

// Local time with milliseconds: 2025-01-31 14:05:09.123.
export function time(ms) {
  if (ms == null || ms < 0) return '–';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} `
    + `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

// A timestamp cell: local time, with the UTC ISO form and epoch millis on hover.
export function timeCell(ms) {
  if (ms == null || ms < 0) return '–';
  return h('span.time', { title: `${new Date(ms).toISOString()} (${ms})` }, time(ms));
}

// The value of an <input type="datetime-local"> for epoch millis, and back.
export function toLocalInput(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T`
    + `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function fromLocalInput(value) {
  if (!value) return null;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : ms;
}

// --- record bytes: {text, base64, size, format} from the API

export function decodeBase64(b64) {
  if (!b64) return new Uint8Array(0);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// One line for a table cell: collapsed whitespace, cut at `max` characters.
export function preview(b, max = 120) {
  if (!b || b.format === 'null' || b.size < 0) return h('span.null', null, 'null');
  if (b.size === 0) return h('span.muted', null, '(empty)');
  if (b.text == null) {
    const first = hexBytes(decodeBase64(b.base64).subarray(0, 16));
    return h('span.binary', { title: `${b.size} bytes of binary data` },
      h('span.muted', null, `binary ${bytes(b.size)} `), first + (b.size > 16 ? ' …' : ''));
  }
  const one = b.text.replace(/\s+/g, ' ').trim();
  return h('span', { class: b.format === 'json' ? 'json-preview' : null, title: one.length > max ? one.slice(0, 2000) : null },
    one.length > max ? one.slice(0, max) + '…' : one);
}

function hexBytes(arr) {
  return Array.from(arr, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

// A classic hex dump: offset, 16 bytes, their printable ASCII. Cut at `limit` bytes.
export function hexDump(arr, limit = 64 * 1024) {
  const lines = [];
  const n = Math.min(arr.length, limit);
  for (let off = 0; off < n; off += 16) {
    const row = arr.subarray(off, Math.min(off + 16, n));
    const hex = hexBytes(row).padEnd(16 * 3 - 1, ' ');
    const ascii = Array.from(row, (x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex.slice(0, 23)}  ${hex.slice(24)}  |${ascii}|`);
  }
  if (arr.length > n) lines.push(`… ${num(arr.length - n)} more bytes`);
  if (!arr.length) lines.push('(empty)');
  return lines.join('\n');
}

// Pretty JSON as highlighted nodes. It re-indents the text token by token instead of
// JSON.parse + stringify, so numbers keep their exact digits (64-bit ids lose precision
// in a JS number) and key order and duplicate keys stay as sent. Returns null when the
// text is not well-formed JSON.
export function prettyJson(text, indentUnit = '  ') {
  const tokens = tokenizeJson(text);
  if (!tokens) return null;
  const frag = document.createDocumentFragment();
  let depth = 0;
  const parts = [];
  const push = (cls, s) => parts.push([cls, s]);
  const newline = () => push(null, '\n' + indentUnit.repeat(depth));
  for (let i = 0; i < tokens.length; i++) {
    const [kind, s] = tokens[i];
    const next = tokens[i + 1];
    if (kind === '{' || kind === '[') {
      push('punct', s);
      if (next && (next[0] === '}' || next[0] === ']')) {
        push('punct', next[1]);
        i++;
        continue;
      }
      depth++;
      newline();
    } else if (kind === '}' || kind === ']') {
      depth--;
      newline();
      push('punct', s);
    } else if (kind === ',') {
      push('punct', ',');
      newline();
    } else if (kind === ':') {
      push('punct', ': ');
    } else if (kind === 'string') {
      push(next && next[0] === ':' ? 'key' : 'str', s);
    } else {
      push(kind, s);
    }
  }
  for (const [cls, s] of parts) frag.append(cls ? h(`span.j-${cls}`, null, s) : s);
  return frag;
}

// Tokens of a JSON text as [kind, text]; null when it is not one well-formed value.
export function tokenizeJson(text) {
  const tokens = [];
  const re = /\s*(?:("(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*")|(-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)|(true|false|null)|([{}[\]:,]))/y;
  let pos = 0;
  while (true) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) break;
    pos = re.lastIndex;
    if (m[1] !== undefined) tokens.push(['string', m[1]]);
    else if (m[2] !== undefined) tokens.push(['num', m[2]]);
    else if (m[3] !== undefined) tokens.push(['lit', m[3]]);
    else tokens.push([m[4], m[4]]);
  }
  if (text.slice(pos).trim() !== '' || !tokens.length) return null;
  if (!checkJsonGrammar(tokens)) return null;
  return tokens;
}

// The tokens form exactly one JSON value.
function checkJsonGrammar(tokens) {
  let i = 0;
  const value = () => {
    const t = tokens[i];
    if (!t) return false;
    if (t[0] === 'string' || t[0] === 'num' || t[0] === 'lit') {
      i++;
      return true;
    }
    if (t[0] === '[') {
      i++;
      if (tokens[i]?.[0] === ']') return ++i > 0;
      while (true) {
        if (!value()) return false;
        const sep = tokens[i++]?.[0];
        if (sep === ']') return true;
        if (sep !== ',') return false;
      }
    }
    if (t[0] === '{') {
      i++;
      if (tokens[i]?.[0] === '}') return ++i > 0;
      while (true) {
        if (tokens[i++]?.[0] !== 'string') return false;
        if (tokens[i++]?.[0] !== ':') return false;
        if (!value()) return false;
        const sep = tokens[i++]?.[0];
        if (sep === '}') return true;
        if (sep !== ',') return false;
      }
    }
    return false;
  };
  return value() && i === tokens.length;
}
