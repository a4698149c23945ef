// snapshot reads a document into plain data (lines, label/value pairs,
// table grids, control texts) for classify.js. It only reads: it never
// clicks, ticks, focuses or changes anything on the page.
(function (root) {
  'use strict';

  const T = root.keyrelay.text;

  const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'BUTTON', 'SELECT', 'OPTION', 'SVG', 'svg',
    'IFRAME', 'OBJECT', 'CANVAS', 'HEAD', 'TITLE', 'META', 'LINK', 'IMG']);
  const BLOCK = new Set(['ADDRESS', 'ARTICLE', 'ASIDE', 'BLOCKQUOTE', 'CAPTION', 'DD', 'DETAILS', 'DIALOG', 'DIV',
    'DL', 'DT', 'FIELDSET', 'FIGCAPTION', 'FIGURE', 'FOOTER', 'FORM', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'HEADER',
    'HR', 'LI', 'MAIN', 'NAV', 'OL', 'P', 'PRE', 'SECTION', 'SUMMARY', 'TABLE', 'TBODY', 'THEAD', 'TFOOT', 'TR',
    'TD', 'TH', 'UL', 'LEGEND', 'BODY', 'CENTER']);
  // Inputs whose value is text the page shows (a key may sit in a readonly one).
  const TEXT_INPUTS = new Set(['', 'text', 'search', 'url', 'email', 'tel', 'number']);

  function hidden(el) {
    if (el.hidden) return true;
    if (typeof el.checkVisibility === 'function') {
      return !el.checkVisibility({ visibilityProperty: true, contentVisibilityAuto: false });
    }
    return false;
  }

  // textOf renders what the operator sees of a subtree, from text nodes and
  // input values (never innerText: CSS text-transform must not change a
  // key). Block elements and <br> become line breaks.
  function textOf(node) {
    const out = [];
    walk(node, out);
    return out.join('');
  }

  function walk(node, out) {
    if (node.nodeType === 3) { out.push(node.nodeValue); return; }
    if (node.nodeType !== 1) return;
    const tag = node.tagName.toUpperCase();
    if (SKIP.has(tag)) return;
    if (tag === 'BR') { out.push('\n'); return; }
    if (hidden(node)) return;
    if (tag === 'INPUT') {
      const type = (node.getAttribute('type') || '').toLowerCase();
      if (TEXT_INPUTS.has(type)) out.push(node.value);
      return;
    }
    if (tag === 'TEXTAREA') { out.push(node.value); return; }
    const block = BLOCK.has(tag);
    if (block) out.push('\n');
    for (let c = node.firstChild; c; c = c.nextSibling) walk(c, out);
    if (block) out.push('\n');
  }

  function lines(text) {
    return text.split('\n').map(T.trimValue).filter((s) => s !== '');
  }

  // isBlank is a value that is really a help icon or nothing.
  function isBlank(v) {
    return T.collapse(v).replace(/[?？※]/g, '').trim() === '';
  }

  // siblingPairs finds every element whose whole visible text is a label
  // keyrelay reads, and takes its next element sibling as the value. One
  // rule covers th/td, dt/dd, <label>+<input> and div/span layouts.
  function siblingPairs(doc) {
    const pairs = [];
    const all = doc.body ? doc.body.getElementsByTagName('*') : [];
    for (const el of all) {
      const next = el.nextElementSibling;
      if (!next) continue;
      const raw = el.textContent;
      if (raw.length > 80 && el.tagName !== 'INPUT') continue; // a label is short; skip the cost
      if (SKIP.has(el.tagName.toUpperCase())) continue;
      const field = T.fieldOf(textOf(el));
      if (!field) continue;
      // A header row (th next to th) names columns, it has no values.
      if (el.tagName === 'TH' && next.tagName === 'TH') continue;
      if (hidden(el) || hidden(next)) continue;
      const value = T.trimValue(textOf(next));
      if (isBlank(value) || T.fieldOf(value)) continue;
      pairs.push({ field, label: T.normalizeLabel(textOf(el)), value, via: 'sibling' });
    }
    return pairs;
  }

  // tableGrid expands colspan/rowspan so a column index means the same
  // column in every row.
  function tableGrid(table) {
    const grid = [];
    const rows = Array.from(table.rows);
    rows.forEach((tr, r) => {
      if (hidden(tr)) return;
      grid[r] = grid[r] || [];
      let c = 0;
      for (const cell of Array.from(tr.cells)) {
        while (grid[r][c]) c++;
        const text = T.trimValue(textOf(cell));
        const cs = Math.min(Math.max(cell.colSpan || 1, 1), 50);
        const rs = Math.min(Math.max(cell.rowSpan || 1, 1), 50);
        const item = { text, th: cell.tagName === 'TH' };
        for (let i = 0; i < rs; i++) {
          const rr = r + i;
          if (rr >= rows.length) break;
          grid[rr] = grid[rr] || [];
          for (let j = 0; j < cs; j++) grid[rr][c + j] = item;
        }
        c += cs;
      }
    });
    return grid.filter(Boolean).map((row) => Array.from(row, (x) => x || { text: '', th: false }));
  }

  function controls(doc) {
    const out = [];
    for (const el of doc.querySelectorAll('button, input[type=button], input[type=submit], a, [role=button]')) {
      if (hidden(el)) continue;
      const t = el.tagName === 'INPUT' ? el.value : el.textContent;
      const v = T.collapse(t);
      if (v) out.push(v);
    }
    return out;
  }

  // snapshot is everything classify.js needs, as plain JSON-able data.
  function snapshot(doc) {
    doc = doc || root.document;
    const body = doc.body;
    return {
      url: String(doc.location && doc.location.href || ''),
      title: T.collapse(doc.title || ''),
      lines: body ? lines(textOf(body)) : [],
      pairs: siblingPairs(doc),
      tables: Array.from(doc.querySelectorAll('table')).filter((t) => !hidden(t)).map((t) => ({ rows: tableGrid(t) })),
      controls: controls(doc),
      recaptcha: !!doc.querySelector('iframe[src*="recaptcha"], .g-recaptcha'),
    };
  }

  const api = { snapshot, textOf };
  (root.keyrelay = root.keyrelay || {}).snapshot = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
