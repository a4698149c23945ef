// String helpers shared by the content script, the service worker, the popup
// and the node tests. No DOM, no chrome.* here: everything is a pure function
// so `node --test` can pin it down.
(function (root) {
  'use strict';

  // Characters that are whitespace to the operator's eye. JS's \s misses
  // U+0085 and the zero-width ones, which Go's unicode.IsSpace (or key.go)
  // counts, and a copy-paste can carry.
  const SPACE_RE = /[\s\u0085\u200b\u200c\u200d\u2060\ufeff]+/g;
  const EDGE_SPACE_RE = /^[\s\u0085\u200b\u200c\u200d\u2060\ufeff]+|[\s\u0085\u200b\u200c\u200d\u2060\ufeff]+$/g;

  // Label aliases, after normalizeLabel. RMS has shown the same field under
  // more than one label; a value is found by any of them.
  const LABELS = {
    'システム開発企業': 'developer',
    'アプリ開発者': 'developer',
    'アプリ登録者': 'developer',
    'アプリ登録者(システム開発企業)': 'developer',
    'アプリ名': 'appName',
    'アプリurl': 'appUrl',
    '有効期限': 'expiry',
    'ライセンスキー': 'key',
    '承認状態': 'state',
    '状態': 'status',
    'キー情報': 'keyInfo',
    '概要': 'summary',
    '店舗名': 'shopName',
    'ショップ名': 'shopName',
    '店舗id': 'shopId',
    'ショップid': 'shopId',
    '店舗url': 'shopUrl',
    'ショップurl': 'shopUrl',
  };

  // normalizeLabel turns what a page shows as a label into a comparable
  // form: NFKC (full-width letters, ： and ？ become ASCII), no whitespace,
  // lower case, and no trailing colon, help icon (?), asterisk or ※.
  function normalizeLabel(s) {
    let t = String(s == null ? '' : s).normalize('NFKC').replace(SPACE_RE, '').toLowerCase();
    let prev;
    do {
      prev = t;
      t = t.replace(/[:?*※]+$/u, '').replace(/^[※*■●・]+/u, '');
      t = t.replace(/\(必須\)$|\(任意\)$/u, '');
    } while (t !== prev);
    return t;
  }

  // fieldOf maps a label to the field it names, or '' if it is not a label
  // keyrelay reads.
  function fieldOf(label) {
    return LABELS[normalizeLabel(label)] || '';
  }

  // trimValue drops only the whitespace around a value. It never removes a
  // character a key could contain: a lost first or last character is exactly
  // the failure keyrelay must not cause.
  function trimValue(s) {
    return String(s == null ? '' : s).replace(EDGE_SPACE_RE, '');
  }

  // collapse is for display text (names, descriptions): one space between words.
  function collapse(s) {
    return trimValue(String(s == null ? '' : s).replace(SPACE_RE, ' '));
  }

  // labelPairsInLine reads "label: value" (half- or full-width colon) from
  // one line, including several on one line ("店舗名：A　店舗ID：1"). The line
  // must start with a label keyrelay reads, so "http://…" or a sentence
  // with a colon is never taken for a field. Values keep their exact
  // characters; only the whitespace around them is dropped.
  function labelPairsInLine(line) {
    const t = trimValue(line);
    const re = /([^\s:：]{1,40}?)[\s\u3000]*[:：]/gu;
    const hits = [];
    let m;
    while ((m = re.exec(t))) {
      const field = fieldOf(m[1]);
      if (!field) continue;
      if (hits.length === 0 && m.index !== 0) return [];
      if (m.index !== 0 && !/[\s\u3000]/u.test(t[m.index - 1])) continue;
      hits.push({ field, label: normalizeLabel(m[1]), start: m.index, end: re.lastIndex });
    }
    if (hits.length === 0) {
      // A label with spaces inside ("アプリ登録者 (システム開発企業): …").
      const w = /^([^:：]{1,40})[:：]([\s\S]*)$/u.exec(t);
      const field = w && fieldOf(w[1]);
      return field ? [{ field, label: normalizeLabel(w[1]), value: trimValue(w[2]) }] : [];
    }
    return hits.map((h, i) => ({
      field: h.field, label: h.label, value: trimValue(t.slice(h.end, i + 1 < hits.length ? hits[i + 1].start : t.length)),
    }));
  }

  // parseLast4 reads the 末尾4桁 RMS shows for a key ("末尾4桁: IANT",
  // "末尾4桁（IANT）", "末尾4桁: IANT（失効）"), or '' when there is none or it
  // is itself masked ("末尾4桁: XXXXXXXX"). After NFKC （ and ： are ASCII;
  // what follows the four must not be another key letter, but a bracket or
  // a note may.
  function parseLast4(s) {
    const t = String(s == null ? '' : s).normalize('NFKC');
    const m = /末尾\s*4\s*桁[\s:(]*((?![:(])[!-~]{4})(?![A-Za-z0-9_])/u.exec(t);
    if (!m) return '';
    const v = m[1];
    if (/^(x{4}|\*{4})$/i.test(v)) return '';
    return v;
  }

  // last4Masked is a 末尾4桁 that is itself hidden ("末尾4桁: XXXXXXXX").
  function last4Masked(s) {
    const t = String(s == null ? '' : s).normalize('NFKC');
    return /末尾\s*4\s*桁[\s:(]*(?:x{4,}|\*{4,}|●{4,})/iu.test(t);
  }

  // parseRMSDate mirrors keyrelay.ParseRMSDate (testdata/dates.json pins
  // both): after NFKC and trimming, "2025/05/26", "2025/5/6", "2025-05-26"
  // or "2025年5月26日", one separator style throughout, optionally with a
  // time of day (ignored). It returns {ok:false} for "-" and "" (no expiry
  // shown), and null when unreadable.
  const RMS_DATE = /^([0-9]{4})(?:\/([0-9]{1,2})\/([0-9]{1,2})|-([0-9]{1,2})-([0-9]{1,2})|年([0-9]{1,2})月([0-9]{1,2})日)(?:\s+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?$/u;
  const NO_DATE = ['', '-', '—', '‐', '―'];
  function parseRMSDate(s) {
    const t = trimValue(String(s == null ? '' : s).normalize('NFKC'));
    if (NO_DATE.includes(t)) return { ok: false };
    const m = RMS_DATE.exec(t);
    if (!m) return null;
    const y = +m[1];
    let mo = 0, d = 0;
    for (let i = 2; i < m.length; i += 2) if (m[i] !== undefined) { mo = +m[i]; d = +m[i + 1]; }
    const dt = new Date(Date.UTC(y, mo - 1, d));
    if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return null;
    const pad = (n) => String(n).padStart(2, '0');
    return { ok: true, year: y, month: mo, day: d, text: `${y}/${pad(mo)}/${pad(d)}` };
  }

  // foldName is how two names as shown are compared (アプリ一覧 and the
  // detail page differ in spacing and width: "株式会社GoQSystem" /
  // "株式会社GoQ System"): NFKC, no whitespace at all, lower case. Same as
  // keyrelay.FoldName; testdata/names.json pins both.
  function foldName(s) {
    return String(s == null ? '' : s).normalize('NFKC').replace(SPACE_RE, '').toLowerCase();
  }

  function sameName(a, b) {
    const x = foldName(a);
    return x !== '' && x === foldName(b);
  }

  // deliversTo mirrors keyrelay.DeliversTo: a key goes to GoQSystem only
  // when the app is GoQSystem's own; other destinations take every capture.
  function deliversTo(destination, appName) {
    if (destination !== 'goq') return true;
    const n = foldName(appName);
    return n.includes('goqsystem') || n.includes('ごくシステム');
  }

  // clip mirrors keyrelay.Clip: at most max bytes of UTF-8, cut at a
  // character boundary and ending in the marker when cut (the marker counts
  // toward max). testdata/limits.json pins both.
  const utf8 = new TextEncoder();
  const fromUtf8 = new TextDecoder();
  function clip(s, max) {
    const b = utf8.encode(String(s == null ? '' : s));
    if (b.length <= max) return fromUtf8.decode(b);
    const L = root.keyrelay && root.keyrelay.limits || (typeof require === 'function' ? require('./limits.js') : null);
    let marker = L.trunc_marker;
    if (utf8.encode(marker).length > max) marker = '';
    let n = max - utf8.encode(marker).length;
    while (n > 0 && (b[n] & 0xc0) === 0x80) n--;
    return fromUtf8.decode(b.subarray(0, n)) + marker;
  }

  const api = { normalizeLabel, fieldOf, trimValue, collapse, labelPairsInLine, parseLast4, last4Masked, parseRMSDate, foldName, sameName, deliversTo, clip };
  if (typeof module === 'object' && module.exports) module.exports = api;
  else (root.keyrelay = root.keyrelay || {}).text = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
