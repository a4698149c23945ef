// The GoQ page rules the extension shares with the helper's GoQ client
// (internal/goq: label.go classifyLabel, submitter.go saveRank, route.go),
// pinned by internal/keyrelay/testdata/goq_rules.json, which both suites
// read. No DOM, no chrome.* here.
(function (root) {
  'use strict';

  const KEY_LABEL = 'RMS Service Square ライセンスキー';
  const SAVE_LABEL = '設定を保存して次へ進む';
  // The seed's way to WEBAPI設定 from the page after login, by link text.
  const ROUTE = ['受注管理', '各種設定', 'モール詳細設定', '楽天市場', 'WEBAPI設定'];

  const BRACKET_OPEN = '【〔［〈《';
  const BRACKET_CLOSE = '】〕］〉》';

  // normLabel folds what differs between renderings of the same label:
  // white space of any kind, full-width ASCII, bracket shapes, letter case.
  function normLabel(s) {
    let out = '';
    for (const ch of String(s == null ? '' : s)) {
      let c = ch.codePointAt(0);
      if (c >= 0xff01 && c <= 0xff5e) c -= 0xfee0;
      let r = String.fromCodePoint(c);
      if (BRACKET_OPEN.includes(r)) r = '[';
      else if (BRACKET_CLOSE.includes(r)) r = ']';
      if (/^[\s\u0085\u200b\u200c\u200d\ufeff]$/u.test(r)) continue;
      out += r.toLowerCase();
    }
    return out;
  }

  const KEY_NORM = normLabel(KEY_LABEL);
  const LABEL_MARKS = ['?', ':', '*', '※', '必須', '任意', 'ⓘ', '!', '＊'];
  const TWIN_MARKS = new Set(['確認', '確認用', '確認入力', '確認用入力', '再入力', '再入力用', '確認のため再入力', '確認のためもう一度入力',
    '確認のため再度入力', 'もう一度入力', '再度入力', 'もう一度入力してください', '確認のため再入力してください',
    '確認のためもう一度入力してください', '再入力(確認用)', 'confirm', 'confirmation', 'retype']);
  const OTHER_WORDS = ['旧', '以前', '前回', '過去', 'old', 'previous', '予備', '失効', '期限切れ', 'テスト', 'test',
    'sandbox', '検証', 'yahoo', 'amazon', 'qoo10', 'wowma', 'shopify', 'メモ', '備考'];

  // classifyLabel: 'key' (the key's field), 'twin' (its confirmation
  // twin), 'twin_mark' (only 「確認用」 etc.: a twin if it follows the key's
  // field) or 'other'. A label that only resembles the key's (an old key,
  // another mall's) is 'other' and never touched.
  function classifyLabel(text) {
    let s = normLabel(text);
    const notes = [];
    for (let changed = true; changed;) {
      changed = false;
      for (const m of LABEL_MARKS) {
        if (s.endsWith(m)) { s = s.slice(0, s.length - m.length); changed = true; }
        if (s.startsWith(m)) { s = s.slice(m.length); changed = true; }
      }
      const i = s.indexOf('※');
      if (i > 0) { notes.push(s.slice(i + 1)); s = s.slice(0, i); changed = true; }
      for (const [o, c] of [['(', ')'], ['[', ']'], ['「', '」'], ['<', '>']]) {
        if (s.endsWith(c)) {
          const j = s.lastIndexOf(o);
          if (j >= 0) { notes.push(s.slice(j + o.length, s.length - c.length)); s = s.slice(0, j); changed = true; }
        }
        if (s.startsWith(o)) {
          const j = s.indexOf(c);
          if (j > 0) { notes.push(s.slice(o.length, j)); s = s.slice(j + c.length); changed = true; }
        }
      }
    }
    let twin = false;
    for (const n of notes) {
      if (OTHER_WORDS.some((w) => n.includes(w))) return 'other';
      if (TWIN_MARKS.has(n)) twin = true;
    }
    if (s === KEY_NORM && twin) return 'twin';
    if (s === KEY_NORM) return 'key';
    if (s.startsWith(KEY_NORM) && TWIN_MARKS.has(s.slice(KEY_NORM.length))) return 'twin';
    if (TWIN_MARKS.has(s) || (s === '' && twin)) return 'twin_mark';
    return 'other';
  }

  const SAVE_WORDS = ['保存', '登録', '更新', '設定する', 'save', 'update'];
  const NOT_SAVE_WORDS = ['戻る', '戻', '前へ', 'キャンセル', '取消', '取り消', '削除', '検索', 'クリア', 'リセット', 'ログアウト',
    '解除', '初期化', '確認画面', 'プレビュー', '一覧', 'back', 'cancel', 'delete', 'search', 'reset', 'logout', 'preview'];

  // saveRank: 2 for the seed's 「設定を保存して次へ進む」, 1 for a close
  // variant (保存, 登録, 更新, 設定する), 0 for anything else. The save button
  // is the one button of the highest rank; there is no fallback to the
  // first submit button, and a tie is refused.
  function saveRank(name) {
    const n = normLabel(name);
    if (n === normLabel(SAVE_LABEL)) return 2;
    if (NOT_SAVE_WORDS.some((w) => n.includes(w))) return 0;
    return SAVE_WORDS.some((w) => n.includes(w)) ? 1 : 0;
  }

  // chooseSave picks among [{name, ...}] the one save button; it returns
  // {button} or {error, candidates}.
  function chooseSave(buttons) {
    let best = 0;
    let found = [];
    for (const b of buttons) {
      const r = saveRank(b.name);
      if (r === 0) continue;
      if (r > best) { best = r; found = []; }
      if (r === best) found.push(b);
    }
    if (found.length === 1) return { button: found[0] };
    if (found.length === 0) return { error: 'none', candidates: [] };
    return { error: 'several', candidates: found.map((b) => b.name) };
  }

  // routeLink finds the link of one route step among [{text, href}]: the
  // link whose text, normalised, is the step's. Only https links on the
  // same host are followed (never javascript: or another site).
  function routeLink(links, step, host) {
    const want = normLabel(step);
    for (const l of links) {
      if (normLabel(l.text) !== want) continue;
      try {
        const u = new URL(l.href);
        if (u.protocol === 'https:' && u.host === host) return u.href;
      } catch (e) { /* not a URL */ }
    }
    return '';
  }

  // Class names that CSS frameworks and help icons use to hide text
  // (screen-reader text, tooltip bodies): text inside them is not part of a
  // label, whether or not a style sheet loaded (internal/goq hiddenElement).
  const HIDDEN_CLASSES = new Set(['sr-only', 'visually-hidden', 'screen-reader-text', 'd-none', 'hidden', 'hide', 'is-hidden',
    'invisible', 'tooltip', 'tooltiptext', 'tooltip-text', 'tooltip-inner', 'popover', 'balloon']);
  function hiddenByClass(className) {
    return String(className || '').toLowerCase().split(/\s+/).some((c) => HIDDEN_CLASSES.has(c));
  }

  // BLOCK_TAGS end the run of text before a field (its label is the last
  // block of text before it); <br> and inline tags do not
  // (internal/goq blockTags).
  const BLOCK_TAGS = new Set(['div', 'p', 'dt', 'dd', 'dl', 'li', 'ul', 'ol', 'td', 'th', 'tr', 'table', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
    'section', 'fieldset', 'legend', 'form', 'header', 'footer', 'main', 'nav', 'article', 'aside', 'blockquote', 'pre', 'hr', 'center',
    'tbody', 'thead', 'caption', 'body']);

  // ---- The GoQ account the page shows (docs/GOQ-BROWSER.md, "Which GoQ
  // account"). A browser-mode key is filled only when the page shows the
  // shop's account. validAccount and sameAccount are the helper's
  // keyrelay.CheckGoQAccount and SameGoQAccount; accountLabel and accountIn
  // read what a page prints. All pinned by
  // internal/keyrelay/testdata/goq_account.json.

  const MAX_ACCOUNT = 100;
  // normAccount trims and folds full-width ASCII; letter case is kept.
  function normAccount(s) {
    let out = '';
    for (const ch of String(s == null ? '' : s).trim()) {
      const c = ch.codePointAt(0);
      out += c >= 0xff01 && c <= 0xff5e ? String.fromCodePoint(c - 0xfee0) : ch;
    }
    return out.trim();
  }
  // validAccount: 1 to 100 visible ASCII characters, no space.
  const validAccount = (id) => typeof id === 'string' && id.length >= 1 && id.length <= MAX_ACCOUNT && /^[\x21-\x7e]+$/.test(id);
  // sameAccount: shown is the account want; an empty or invalid one never is.
  function sameAccount(want, shown) {
    const w = normAccount(want);
    const s = normAccount(shown);
    return validAccount(w) && validAccount(s) && w === s;
  }

  // The labels a back office prints before the logged-in account.
  const ACCOUNT_LABELS = new Set(['ログインid', 'ログイン中', 'ログインユーザー', 'ログインユーザーid', 'ログインアカウント', 'ユーザーid']);
  // accountLabel: text (a cell, a span) is such a label, give or take a
  // colon, a help mark or brackets.
  function accountLabel(text) {
    let s = normLabel(text);
    for (let changed = true; changed;) {
      changed = false;
      for (const m of [':', '?', '*', '※']) {
        if (s.endsWith(m)) { s = s.slice(0, -m.length); changed = true; }
      }
      if (s.startsWith('[') && s.endsWith(']')) { s = s.slice(1, -1); changed = true; }
    }
    return ACCOUNT_LABELS.has(s);
  }

  // accountValue: the account in the text after a label: its first word,
  // without an honorific (さん, 様), if that is a valid login ID; else ''.
  function accountValue(text) {
    let w = normAccount(text).split(/\s+/)[0] || '';
    w = w.replace(/(さん|様|殿)$/u, '');
    w = normAccount(w);
    return validAccount(w) ? w : '';
  }

  const LABEL_RE = 'ログイン\\s*(?:ID|ＩＤ|ユーザー\\s*(?:ID|ＩＤ)?|アカウント|中)|ユーザー\\s*(?:ID|ＩＤ)';
  // A label that starts the text or follows a separator (not 楽天ユーザーID),
  // then a colon, or the label in brackets; then the value.
  const ACCOUNT_RE = new RegExp('(?:^|[\\s|｜/／・:：,、。()（）])(?:(?:' + LABEL_RE + ')\\s*[:：]|[\\[［【](?:' + LABEL_RE + ')[\\]］】])\\s*(\\S*)', 'iu');
  // accountIn: the account in a run of text; '' none; null when the text
  // ends with a label and its colon (the value is the next text on the
  // page, as in ログイン中：<strong>ID</strong>).
  function accountIn(text) {
    const m = ACCOUNT_RE.exec(String(text == null ? '' : text));
    if (!m) return '';
    if (m[1] === '') return null;
    return accountValue(m[1]);
  }

  const api = { KEY_LABEL, HIDDEN_CLASSES, hiddenByClass, BLOCK_TAGS, SAVE_LABEL, ROUTE, normLabel, classifyLabel, saveRank, chooseSave, routeLink,
    MAX_ACCOUNT, normAccount, validAccount, sameAccount, accountLabel, accountValue, accountIn };
  (root.keyrelay = root.keyrelay || {}).goqrules = api;
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
})(globalThis);
