// snapshot reads a document into plain data (lines, label/value pairs,
// table grids, control texts) for classify.js. It only reads: it never
// clicks, ticks, focuses or changes anything on the page.
(function (root) {
  'use strict';

  const T = root.keyrelay.text;

  const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'BUTTON', 'SELECT', 'OPTION', 'SVG', 'svg',
    'IFRAME', 'OBJECT', 'CANVAS', 'HEAD', 'TITLE', 'META', 'LINK', 'IMG', 'RT', 'RP']);
  const BLOCK = new Set(['ADDRESS', 'ARTICLE', 'ASIDE', 'BLOCKQUOTE', 'CAPTION', 'DD', 'DETAILS', 'DIALOG', 'DIV',
    'DL', 'DT', 'FIELDSET', 'FIGCAPTION', 'FIGURE', 'FOOTER', 'FORM', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'HEADER',
    'HR', 'LI', 'MAIN', 'NAV', 'OL', 'P', 'PRE', 'SECTION', 'SUMMARY', 'TABLE', 'TBODY', 'THEAD', 'TFOOT', 'TR',
    'TD', 'TH', 'UL', 'LEGEND', 'BODY', 'CENTER']);
  // Inputs whose value is text the page shows (a key may sit in a readonly one).
  const TEXT_INPUTS = new Set(['', 'text', 'search', 'url', 'email', 'tel', 'number']);

  const VISIBILITY = { opacityProperty: true, visibilityProperty: true, contentVisibilityAuto: true };

  function styleOf(el) {
    const view = el.ownerDocument && el.ownerDocument.defaultView;
    return view && view.getComputedStyle ? view.getComputedStyle(el) : null;
  }

  // hidden is true for an element the operator cannot see: not rendered,
  // transparent, visibility:hidden, inside a closed <details> or skipped
  // content, aria-hidden, a tooltip, or "sr-only" text (clipped away or
  // squeezed into a 1px box). Dropping text that is on screen would truncate
  // a key, so display:contents (no box of its own, which checkVisibility
  // counts as hidden) is judged by where it sits; its children are checked
  // in turn.
  function hidden(el) {
    if (el.closest && el.closest('[aria-hidden="true"], [role="tooltip"]')) return true;
    return notRendered(el) || clippedAway(el);
  }

  // notRendered is the browser's own "not drawn": no box, transparent,
  // visibility:hidden, closed <details>, skipped content. Controls are
  // judged by it alone: an アップデートする button must count even when a
  // page marks it aria-hidden or squeezes it into an sr-only box.
  function notRendered(el) {
    if (typeof el.checkVisibility !== 'function') return !!el.hidden;
    if (el.checkVisibility(VISIBILITY)) return false;
    const cs = styleOf(el);
    if (!cs || cs.display !== 'contents') return true;
    const parent = el.parentElement;
    if (!parent) return false;
    if (parent.tagName.toUpperCase() === 'DETAILS' && !parent.open && el.tagName.toUpperCase() !== 'SUMMARY') return true;
    const pcs = styleOf(parent);
    if (pcs && pcs.contentVisibility === 'hidden') return true;
    return notRendered(parent);
  }

  // clippedAway is the "sr-only" family: text that is rendered for screen
  // readers but drawn nowhere (clip: rect(0 0 0 0), clip-path: inset(50%),
  // or a box of at most 1px that hides its overflow).
  function clippedAway(el) {
    const cs = styleOf(el);
    if (!cs) return false;
    if ((cs.position === 'absolute' || cs.position === 'fixed') && cs.clip && cs.clip.startsWith('rect(')) {
      const n = cs.clip.slice(5).split(/[\s,]+/).map(parseFloat);
      if (n.length >= 4 && n.every((x) => !Number.isNaN(x)) && (n[1] - n[3] <= 1 || n[2] - n[0] <= 1)) return true;
    }
    if (cs.clipPath && /inset\(\s*50%|circle\(\s*0/.test(cs.clipPath)) return true;
    if (cs.overflowX !== 'visible' && cs.overflowY !== 'visible' && cs.display !== 'inline' && cs.display !== 'contents') {
      const r = el.getBoundingClientRect();
      if (r.width <= 1 || r.height <= 1) return true;
    }
    return false;
  }

  // textShown is false for a text node that draws nothing: no boxes (closed
  // <details>), skipped content, or visibility:hidden inherited through a
  // display:contents parent. Whitespace is always kept: it cannot add a key
  // character, and dropping it could join two words.
  function textShown(node, styles) {
    if (!/[^\s]/.test(node.nodeValue)) return true;
    const doc = node.ownerDocument;
    if (!doc || typeof doc.createRange !== 'function') return true;
    const memo = styles.get(node);
    if (memo !== undefined) return memo;
    const range = doc.createRange();
    range.selectNodeContents(node);
    const rects = Array.from(range.getClientRects());
    // No boxes, or only empty or off-page ones (font-size:0, text-indent:-9999px).
    const view = doc.defaultView;
    const sx = view ? view.scrollX : 0, sy = view ? view.scrollY : 0;
    let ok = rects.some((r) => r.width >= 0.5 && r.height >= 0.5 && r.right > -sx && r.bottom > -sy);
    const parent = node.parentElement;
    const cs = ok && parent ? styleOf(parent) : null;
    // Skipped content (content-visibility:hidden) still reports boxes when
    // asked, so the parent's style decides for its bare text; so does a
    // transparent text colour.
    if (cs && (cs.visibility !== 'visible' || cs.contentVisibility === 'hidden' || transparent(cs.color))) ok = false;
    styles.set(node, ok);
    return ok;
  }

  function transparent(color) {
    return color === 'transparent' || /^rgba\(.*,\s*0(?:\.0+)?\)$/.test(color || '');
  }

  // textOf renders what the operator sees of a subtree, from text nodes and
  // input values (never innerText: CSS text-transform must not change a
  // key). Whitespace follows CSS as the browser draws it: runs of spaces,
  // tabs and source newlines become one space (so "ライセンスキー：⏎  KEY"
  // reads as the one line it is on screen), except where white-space keeps
  // them (<pre>, <textarea>, pre-line …). Block elements and <br> become
  // line breaks. Only ASCII whitespace collapses, as in CSS: NBSP and U+3000
  // stay, for trimValue to drop around a value.
  function textOf(node, styles) {
    const out = [];
    walk(node, out, styles || new Map());
    return out.join('');
  }

  // wsMode is how the element's white-space treats its text: 'collapse',
  // 'breaks' (pre-line: newlines kept, spaces collapsed) or 'preserve'.
  function wsMode(el, styles) {
    let m = styles.get(el);
    if (m) return m;
    m = 'collapse';
    const view = el.ownerDocument && el.ownerDocument.defaultView;
    const cs = view && view.getComputedStyle ? view.getComputedStyle(el) : null;
    if (cs) {
      const c = cs.whiteSpaceCollapse;
      if (c) {
        if (c === 'preserve' || c === 'break-spaces' || c === 'preserve-spaces') m = 'preserve';
        else if (c === 'preserve-breaks') m = 'breaks';
      } else {
        const w = cs.whiteSpace || '';
        if (w === 'pre' || w === 'pre-wrap' || w === 'break-spaces') m = 'preserve';
        else if (w === 'pre-line') m = 'breaks';
      }
    } else if (el.tagName && /^(PRE|TEXTAREA|LISTING|XMP|PLAINTEXT)$/i.test(el.tagName)) {
      m = 'preserve';
    }
    styles.set(el, m);
    return m;
  }

  function renderText(node, styles) {
    const s = node.nodeValue;
    // Nothing to collapse: skip the style lookup.
    if (!/[\t\n\r\f]| {2}/.test(s)) return s;
    const parent = node.parentElement;
    const mode = parent ? wsMode(parent, styles) : 'collapse';
    if (mode === 'preserve') return s.replace(/\r\n?/g, '\n');
    if (mode === 'breaks') return s.replace(/[ \t\f]*(?:\r\n?|\n)[ \t\f]*/g, '\n').replace(/[ \t\f]+/g, ' ');
    return s.replace(/[ \t\n\r\f]+/g, ' ');
  }

  // walk appends what node shows to out. When out.runs is set (a Runs), it
  // also collects the runs of text the operator sees as unbroken, so
  // classify can tell a key shown as one token from one pieced together.
  function walk(node, out, styles) {
    const runs = out.runs;
    if (node.nodeType === 3) {
      if (!textShown(node, styles)) return;
      const s = renderText(node, styles);
      out.push(s);
      if (runs) runs.text(node, s);
      return;
    }
    if (node.nodeType !== 1) return;
    const tag = node.tagName.toUpperCase();
    if (SKIP.has(tag)) {
      // A button, picture or frame drawn between two pieces separates them.
      if (runs && DRAWN_SKIP.has(tag) && !hidden(node)) runs.cut();
      return;
    }
    if (tag === 'BR') {
      out.push('\n');
      if (runs) runs.cut();
      return;
    }
    if (hidden(node)) return;
    if (tag === 'INPUT' || tag === 'TEXTAREA') {
      const type = (node.getAttribute('type') || '').toLowerCase();
      if (tag === 'TEXTAREA' || TEXT_INPUTS.has(type)) {
        out.push(node.value);
        if (runs) runs.alone(node.value);
      } else if (runs) {
        runs.cut();
      }
      return;
    }
    const block = BLOCK.has(tag);
    const own = runs && ownRun(node, styles);
    if (block) out.push('\n');
    if (own) runs.cut();
    // A closed <details> shows only its <summary>.
    const closed = tag === 'DETAILS' && !node.open;
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (closed && !(c.nodeType === 1 && c.tagName.toUpperCase() === 'SUMMARY')) continue;
      walk(c, out, styles);
    }
    if (block) out.push('\n');
    if (own) runs.cut();
  }

  // Skipped elements that still draw something between their neighbours.
  const DRAWN_SKIP = new Set(['BUTTON', 'SELECT', 'SVG', 'IFRAME', 'OBJECT', 'CANVAS', 'IMG']);
  const INLINE = new Set(['inline', 'contents', 'ruby', 'ruby-base']);
  const CONTROL_ROLES = new Set(['button', 'link', 'menuitem', 'tab', 'switch', 'checkbox', 'radio', 'option', 'img']);

  // ownRun is true for an element whose text never joins its neighbours'
  // into one token: anything that is not plain inline text (a block, an
  // inline-block, a flex or grid item, a float or positioned box: never
  // join across block boundaries), and controls (links, labels, buttons by
  // role, clickable or focusable elements), whose text is not the value.
  function ownRun(el, styles) {
    const tag = el.tagName.toUpperCase();
    if (BLOCK.has(tag) || tag === 'A' || tag === 'LABEL' || tag === 'SUMMARY') return true;
    if (CONTROL_ROLES.has(el.getAttribute('role')) || el.hasAttribute('onclick') || el.hasAttribute('tabindex')) return true;
    const cs = styleOf(el);
    if (!cs) return false;
    if (!INLINE.has(cs.display)) return true;
    if (cs.cursor === 'pointer') {
      const pcs = el.parentElement && styleOf(el.parentElement);
      if (!pcs || pcs.cursor !== 'pointer') return true;
    }
    return false;
  }

  // Runs collects maximal pieces of text that the operator sees as one
  // unbroken string: consecutive visible text nodes join only when the
  // browser draws them touching, on one line or where a line wraps (a
  // <span>, <b>, <code>, <kbd>, <mark> or <wbr> inside a key). A gap (margin,
  // padding, CSS generated content, a hidden-but-space-taking box), a line
  // break, a control or a block boundary ends the run.
  class Runs {
    constructor() {
      this.list = [];
      this.cur = '';
      this.last = null; // the text node the current run ends with
    }

    cut() {
      const t = T.trimValue(this.cur);
      if (t !== '') this.list.push(t);
      this.cur = '';
      this.last = null;
    }

    alone(s) {
      this.cut();
      this.cur = s;
      this.cut();
    }

    text(node, s) {
      if (s === '') return;
      const prev = this.cur;
      // Joints next to whitespace cannot be inside a key (a key has none)
      // and joints with a non-key character cannot be either: only a joint
      // between two key characters needs the browser's word on where they
      // are drawn.
      if (this.last && prev !== '' && /[!-~]$/.test(prev) && /^[!-~]/.test(s) && !touching(this.last, node)) this.cut();
      this.cur += s;
      this.last = node;
    }

    done() {
      this.cut();
      return this.list;
    }
  }

  // edgeRect is the box of the first (or last) non-space character of a
  // text node.
  function edgeRect(node, atEnd) {
    const v = node.nodeValue;
    let i, len = 1;
    if (atEnd) {
      i = v.length - 1;
      while (i >= 0 && /\s/.test(v[i])) i--;
      if (i > 0 && /[\udc00-\udfff]/.test(v[i])) { i--; len = 2; }
    } else {
      i = 0;
      while (i < v.length && /\s/.test(v[i])) i++;
      if (/[\ud800-\udbff]/.test(v[i] || '')) len = 2;
    }
    if (i < 0 || i >= v.length) return null;
    const range = node.ownerDocument.createRange();
    range.setStart(node, i);
    range.setEnd(node, Math.min(v.length, i + len));
    const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0 && r.height > 0);
    return rects.length ? rects[atEnd ? rects.length - 1 : 0] : null;
  }

  // touching is true when the browser draws b's first character right
  // after a's last: on the same line with no gap (within a tenth of an em
  // and at least a pixel, for sub-pixel rounding), or at the start of the
  // next line of the same block (a wrapped line).
  function touching(a, b) {
    if (typeof (b.ownerDocument && b.ownerDocument.createRange) !== 'function') return false;
    const ra = edgeRect(a, true);
    const rb = edgeRect(b, false);
    if (!ra || !rb) return false;
    const cs = b.parentElement && styleOf(b.parentElement);
    if (cs && cs.direction === 'rtl') return false;
    const em = cs ? parseFloat(cs.fontSize) || 16 : 16;
    const tol = Math.max(1, em * 0.1);
    const overlap = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
    if (overlap >= 0.5 * Math.min(ra.height, rb.height)) {
      const gap = rb.left - ra.right;
      return gap <= tol && gap >= -tol;
    }
    if (rb.top < ra.bottom - tol) return false;
    // Wrapped: b must open a line of the block a sits in, at its left edge.
    const box = blockOf(b);
    if (!box || box !== blockOf(a)) return false;
    const bs = styleOf(box);
    const left = box.getBoundingClientRect().left + (bs ? parseFloat(bs.borderLeftWidth) + parseFloat(bs.paddingLeft) : 0);
    return Math.abs(rb.left - left) <= tol;
  }

  function blockOf(node) {
    for (let el = node.parentElement; el; el = el.parentElement) {
      const cs = styleOf(el);
      if (!cs || !INLINE.has(cs.display)) return el;
    }
    return null;
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
  function siblingPairs(doc, styles) {
    const pairs = [];
    const all = doc.body ? doc.body.getElementsByTagName('*') : [];
    for (const el of all) {
      const next = el.nextElementSibling;
      if (!next) continue;
      const raw = el.textContent;
      if (raw.length > 80 && el.tagName !== 'INPUT') continue; // a label is short; skip the cost
      if (SKIP.has(el.tagName.toUpperCase())) continue;
      const label = textOf(el, styles);
      const field = T.fieldOf(label);
      if (!field) continue;
      // A header row (th next to th) names columns, it has no values.
      if (el.tagName === 'TH' && next.tagName === 'TH') continue;
      if (hidden(el) || hidden(next)) continue;
      const value = T.trimValue(textOf(next, styles));
      if (isBlank(value) || T.fieldOf(value)) continue;
      pairs.push({ field, label: T.normalizeLabel(label), value, via: 'sibling' });
    }
    return pairs;
  }

  // tableGrid expands colspan/rowspan so a column index means the same
  // column in every row.
  function tableGrid(table, styles) {
    const grid = [];
    const rows = Array.from(table.rows);
    rows.forEach((tr, r) => {
      if (hidden(tr)) return;
      grid[r] = grid[r] || [];
      let c = 0;
      for (const cell of Array.from(tr.cells)) {
        while (grid[r][c]) c++;
        const text = T.trimValue(textOf(cell, styles));
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

  const ARIA_TABLE = '[role=table], [role=grid], [role=treegrid]';
  const ARIA_CELL = '[role=cell], [role=gridcell], [role=columnheader], [role=rowheader]';

  // ariaGrid reads a div grid (role=table/grid with role=row and cells) into
  // the same rows as tableGrid; header cells count as <th>. Rows and cells of
  // a grid nested inside belong to that grid, not this one.
  function ariaGrid(el, styles) {
    const owner = (n) => n.parentElement && n.parentElement.closest(ARIA_TABLE + ', table');
    const rows = [];
    for (const row of el.querySelectorAll('[role=row]')) {
      if (owner(row) !== el || hidden(row)) continue;
      const cells = [];
      for (const cell of row.querySelectorAll(ARIA_CELL)) {
        if (cell.parentElement.closest('[role=row]') !== row || hidden(cell)) continue;
        const role = cell.getAttribute('role');
        cells.push({ text: T.trimValue(textOf(cell, styles)), th: role === 'columnheader' || role === 'rowheader' });
      }
      if (cells.length) rows.push(cells);
    }
    return rows;
  }

  // The heading RMS puts over the API list; compared after normalizeLabel.
  const API_HEADING = 'アプリが利用するapiリスト';
  const SCAN_LIMIT = 3000;

  // apiBlocks finds the first list under 「アプリが利用するAPIリスト」 — a
  // <table>, an ARIA grid, a <dl> or a <ul>/<ol> — before the next heading,
  // and reads it into rows of cells. Which cell is the API name is for
  // classify.js to decide.
  function apiBlocks(doc, styles) {
    const all = doc.body ? doc.body.getElementsByTagName('*') : [];
    const n = Math.min(all.length, SCAN_LIMIT);
    for (let i = 0; i < n; i++) {
      const h = all[i];
      if (SKIP.has(h.tagName.toUpperCase()) || h.textContent.length > 60) continue;
      if (T.normalizeLabel(textOf(h, styles)) !== API_HEADING || hidden(h)) continue;
      for (let j = i + 1; j < n; j++) {
        const el = all[j];
        if (h.contains(el)) continue;
        if (/^H[1-6]$/i.test(el.tagName) || el.getAttribute('role') === 'heading') return [];
        const rows = containerRows(el, styles);
        if (rows) return hidden(el) ? [] : [{ rows }];
      }
      return [];
    }
    return [];
  }

  function containerRows(el, styles) {
    const tag = el.tagName.toUpperCase();
    if (tag === 'TABLE') return tableGrid(el, styles);
    if (el.matches(ARIA_TABLE)) return ariaGrid(el, styles);
    if (tag === 'DL') return dlRows(el, styles);
    if (tag === 'UL' || tag === 'OL') return listRows(el, styles);
    return null;
  }

  // dlRows makes one row per <dt>, with its <dd>s as the following cells
  // (a <div> may wrap each dt/dd group, as HTML allows).
  function dlRows(dl, styles) {
    const rows = [];
    let row = null;
    for (const el of dl.querySelectorAll('dt, dd')) {
      if (el.closest('dl') !== dl || hidden(el)) continue;
      const cell = { text: T.trimValue(textOf(el, styles)), th: false };
      if (el.tagName.toUpperCase() === 'DT') rows.push(row = [cell]);
      else if (row) row.push(cell);
      else rows.push(row = [{ text: '', th: false }, cell]);
    }
    return rows;
  }

  // listRows makes one row per <li>: two cells when the item starts with an
  // element of its own (<code>cabinet.file.delete</code> …), else one cell
  // with the whole item, which classify.js splits after the API name.
  function listRows(list, styles) {
    const rows = [];
    for (const li of list.querySelectorAll('li')) {
      if (li.parentElement.closest('ul, ol') !== list || hidden(li)) continue;
      let lead = li.firstChild;
      while (lead && lead.nodeType === 3 && lead.nodeValue.trim() === '') lead = lead.nextSibling;
      if (lead && lead.nodeType === 1 && !/^(UL|OL)$/i.test(lead.tagName)) {
        const rest = [];
        for (let c = lead.nextSibling; c; c = c.nextSibling) walk(c, rest, styles);
        rows.push([{ text: T.trimValue(textOf(lead, styles)), th: false }, { text: T.trimValue(rest.join('')), th: false }]);
      } else {
        rows.push([{ text: T.trimValue(textOf(li, styles)), th: false }]);
      }
    }
    return rows;
  }

  // controls are the texts of buttons and links, from every place a control
  // can carry its name: text, value, alt, aria-label, title and the alt of
  // an image inside (<input type=image alt="アップデートする">,
  // <button aria-label=…><img alt=…></button>).
  function controls(doc) {
    const out = [];
    const sel = 'button, input[type=button], input[type=submit], input[type=image], input[type=reset], a, [role=button]';
    for (const el of doc.querySelectorAll(sel)) {
      if (notRendered(el)) continue;
      const parts = [el.tagName === 'INPUT' ? el.value : el.textContent];
      for (const a of ['alt', 'aria-label', 'title']) parts.push(el.getAttribute(a) || '');
      for (const img of el.querySelectorAll('img[alt]')) parts.push(img.getAttribute('alt'));
      const v = T.collapse(parts.filter(Boolean).join(' '));
      if (v) out.push(v);
    }
    return out;
  }

  // snapshot is everything classify.js needs, as plain JSON-able data.
  // tables holds <table>s and ARIA grids alike.
  function snapshot(doc) {
    doc = doc || root.document;
    const body = doc.body;
    const styles = new Map();
    const visible = (sel) => Array.from(doc.querySelectorAll(sel)).filter((t) => !hidden(t));
    const out = [];
    out.runs = new Runs();
    if (body) walk(body, out, styles);
    return {
      url: String(doc.location && doc.location.href || ''),
      title: T.collapse(doc.title || ''),
      lines: lines(out.join('')),
      runs: out.runs.done(),
      pairs: siblingPairs(doc, styles),
      tables: [
        ...visible('table').map((t) => ({ rows: tableGrid(t, styles) })),
        ...visible(ARIA_TABLE).filter((t) => t.tagName.toUpperCase() !== 'TABLE').map((t) => ({ rows: ariaGrid(t, styles) })),
      ],
      apiBlocks: apiBlocks(doc, styles),
      controls: controls(doc),
      recaptcha: !!doc.querySelector('iframe[src*="recaptcha"], .g-recaptcha'),
    };
  }

  const api = { snapshot };
  (root.keyrelay = root.keyrelay || {}).snapshot = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
