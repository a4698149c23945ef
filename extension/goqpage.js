// keyrelay's content script on GoQSystem pages (browser mode, issue 14).
// Registered only once the operator has granted the GoQ host permission.
// It acts only on requests from keyrelay's own service worker (checked from
// sender, never from the message), never on anything the page says, and it
// never types a GoQ password: on a login or code page it only says so.
// The rules (which field is the key's, which button saves) are the helper's
// (lib/goqrules.js, pinned by shared test vectors).
(function (root) {
  'use strict';
  if (root.__keyrelayGoQPage) return;
  root.__keyrelayGoQPage = true;

  const G = root.keyrelay.goqrules;
  const EXT = chrome.runtime.getURL('');
  const TEXT_TYPES = new Set(['', 'text', 'password', 'search', 'tel', 'url', 'email']);

  // Our service worker (or our own extension page): same extension id, an
  // extension URL, and no tab. Another content script, the page or another
  // extension never passes.
  function fromOurWorker(sender) {
    return !!sender && sender.id === chrome.runtime.id && !sender.tab && (!sender.url || sender.url.startsWith(EXT));
  }

  const visible = (el) => !!el && !el.hidden && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';

  // hiddenEl: text inside is not read, by the helper's rule (hidden,
  // aria-hidden, hidden inputs, display:none or visibility:hidden, and the
  // class names that hide screen-reader text and tooltips) or because the
  // browser does not render it.
  function hiddenEl(el) {
    if (el.hidden || (el.getAttribute('aria-hidden') || '').trim().toLowerCase() === 'true') return true;
    if (el.tagName === 'INPUT' && (el.getAttribute('type') || '').toLowerCase() === 'hidden') return true;
    if (['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT'].includes(el.tagName)) return true;
    if (G.hiddenByClass(el.getAttribute('class'))) return true;
    const cs = getComputedStyle(el);
    return cs.display === 'none' || cs.visibility === 'hidden';
  }

  // readText is the text of el as the operator reads it; withAlt reads
  // images by their alt (a button's name).
  function readText(el, withAlt) {
    let out = '';
    const walk = (n) => {
      if (n.nodeType === Node.TEXT_NODE) { out += n.data; return; }
      if (n.nodeType !== Node.ELEMENT_NODE || hiddenEl(n)) return;
      if (withAlt && n.tagName === 'IMG') out += ' ' + (n.getAttribute('alt') || '') + ' ';
      if (n.tagName === 'BR') out += ' ';
      for (const c of n.childNodes) walk(c);
    };
    if (el) walk(el);
    return out.trim();
  }
  const textOf = (el) => readText(el, false);

  function underHidden(node) {
    for (let el = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement; el && el !== document.body; el = el.parentElement) {
      if (hiddenEl(el)) return true;
    }
    return false;
  }

  const isBlock = (el) => G.BLOCK_TAGS.has(el.tagName.toLowerCase());

  // precedingText is the last block of visible text between the previous
  // visible control and c (internal/goq precedingTexts).
  function precedingText(c) {
    const w = document.createTreeWalker(document.body, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    w.currentNode = c;
    let text = '';
    for (let n = w.previousNode(); n; n = w.previousNode()) {
      if (n.nodeType === Node.TEXT_NODE) {
        if (n.data.trim() && !underHidden(n)) text = n.data + text;
        continue;
      }
      if (n.matches('input, select, textarea, button') && !hiddenEl(n) && visible(n)) break;
      if (text.trim() && isBlock(n) && !underHidden(n)) break;
    }
    return text.trim();
  }

  function isTextControl(el) {
    if (el.tagName === 'TEXTAREA') return true;
    return el.tagName === 'INPUT' && TEXT_TYPES.has((el.getAttribute('type') || '').toLowerCase());
  }

  // labelOf: the text that labels c, from the most explicit source: <label>,
  // aria-labelledby, aria-label, its table cell or the cell before, the <dt>
  // of its <dd>, else the nearest block of text before it.
  function labelOf(c) {
    if (c.labels && c.labels.length) {
      const t = Array.from(c.labels).map(textOf).join(' ').trim();
      if (t) return t;
    }
    const by = (c.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean)
      .map((id) => textOf(document.getElementById(id))).join(' ').trim();
    if (by) return by;
    const aria = (c.getAttribute('aria-label') || '').trim();
    if (aria) return aria;
    // In a table: the text before c in its cell, else the cell before.
    if (c.closest('td, th')) return precedingText(c);
    const dd = c.closest('dd');
    if (dd) {
      for (let p = dd.previousElementSibling; p; p = p.previousElementSibling) {
        if (p.tagName === 'DT') return textOf(p);
      }
    }
    return precedingText(c);
  }

  // findKeyField: exactly one visible text field labelled as the key's, and
  // its confirmation twins in the same form.
  function findKeyField() {
    const controls = Array.from(document.querySelectorAll('input, textarea')).filter((el) => isTextControl(el) && visible(el));
    const keys = controls.filter((el) => G.classifyLabel(labelOf(el)) === 'key');
    if (keys.length === 0) return { problem: 'no_field' };
    if (keys.length > 1) return { problem: 'several_fields' };
    const field = keys[0];
    const same = controls.filter((el) => el.form === field.form);
    const i = same.indexOf(field);
    const twins = same.filter((el, j) => {
      const k = G.classifyLabel(labelOf(el));
      return el !== field && (k === 'twin' || (k === 'twin_mark' && j === i + 1));
    });
    return { field, twins };
  }

  function buttonName(b) {
    let name = '';
    if (b.tagName === 'BUTTON') name = readText(b, true);
    else if ((b.getAttribute('type') || '').toLowerCase() === 'image') name = b.getAttribute('alt') || '';
    else name = b.value || '';
    if (!name.trim()) name = b.getAttribute('aria-label') || '';
    if (!name.trim()) name = b.getAttribute('title') || '';
    return name.split(/\s+/).filter(Boolean).join(' ');
  }

  function submitButtons(form) {
    if (!form) return [];
    // form.elements leaves out image buttons; the form owner does not.
    return Array.from(document.querySelectorAll('button, input')).filter((b) => b.form === form).filter((b) => {
      const type = (b.getAttribute('type') || '').toLowerCase();
      if (b.tagName === 'BUTTON') return (type === '' || type === 'submit') && visible(b);
      return b.tagName === 'INPUT' && (type === 'submit' || type === 'image') && visible(b);
    }).map((el) => ({ name: buttonName(el), el }));
  }

  // What GoQ said about a save: the text of its error boxes, verbatim, by
  // the helper's rule (internal/goq/answer.go): an error class or id, a
  // role=alert box that does not report success, <font color=red>, or a red
  // style; a box that holds fields is a wrapper, not a message.
  const ERROR_CLASS = /^(error|errors|err|errmsg|error[-_]?message|error[-_]?msg|form[-_]error|alert[-_](danger|error)|invalid[-_]feedback|text[-_]danger|flash[-_]?error|notice[-_]error|message[-_]error|error[-_]?explanation|error[-_]?box|validation[-_]?(error|message)|is[-_]error)$/i;
  const RED_STYLE = /(^|;)\s*color\s*:\s*(red|#f00|#ff0000|#c00|#cc0000|#d00|#dc3545|#e00)\b/i;
  const SUCCESS = ['保存しました', '更新しました', '登録しました', '完了', '成功', 'saved', 'updated', 'success'];
  function isErrorBox(el) {
    if (ERROR_CLASS.test((el.getAttribute('id') || '').trim())) return true;
    if (Array.from(el.classList).some((c) => ERROR_CLASS.test(c))) return true;
    if ((el.getAttribute('role') || '').toLowerCase() === 'alert' && !SUCCESS.some((w) => textOf(el).toLowerCase().includes(w))) return true;
    if (el.tagName === 'FONT' && ['red', '#ff0000', '#f00'].includes((el.getAttribute('color') || '').toLowerCase())) return true;
    return RED_STYLE.test(el.getAttribute('style') || '');
  }
  function validationMessage() {
    const out = [];
    const walk = (el) => {
      if (['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT', 'HEAD'].includes(el.tagName) || el.hidden) return;
      const cs = getComputedStyle(el);
      if (cs.display === 'none' || cs.visibility === 'hidden') return;
      if (isErrorBox(el) && !el.querySelector('input, select, textarea, label, button')) {
        const t = textOf(el).split(/\s+/).filter(Boolean).join(' ');
        if (t) out.push(t);
        return;
      }
      for (const c of el.children) walk(c);
    };
    if (document.body) walk(document.body);
    return out.join(' / ').slice(0, 2000);
  }

  // The GoQ account the page shows (docs/GOQ-BROWSER.md, "Which GoQ
  // account"), by the rules of lib/goqrules.js: a label with a colon and the
  // login ID in the same text or the next one (ログインID：x, ログイン中：
  // <b>x</b> さん), or a label cell and the cell after it (<TH>ユーザーID</TH>
  // <TD>x</TD>). Only visible text; a value is never taken across a form
  // control, so a settings field labelled 「ユーザーID」 is not an account.
  // Two different accounts on one page: none (it cannot be told which).
  const CONTROL = 'input, select, textarea, button';
  function accounts() {
    const found = new Set();
    if (!document.body) return found;
    const w = document.createTreeWalker(document.body, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    let pending = false; // a label and its colon ended the last text
    for (let n = w.nextNode(); n; n = w.nextNode()) {
      if (n.nodeType === Node.ELEMENT_NODE) {
        if (n.matches(CONTROL) && !hiddenEl(n) && visible(n)) pending = false;
        continue;
      }
      if (!n.data.trim() || underHidden(n)) continue;
      if (pending) {
        pending = false;
        const a = G.accountValue(n.data);
        if (a) found.add(a);
        continue;
      }
      const a = G.accountIn(n.data);
      if (a === null) pending = true;
      else if (a) found.add(a);
    }
    for (const el of document.body.querySelectorAll('th, td, dt, dd, span, div, label, li, p, b, strong')) {
      const t = el.textContent;
      if (t.length > 40 || el.querySelector(CONTROL) || underHidden(el) || !G.accountLabel(textOf(el))) continue;
      const next = el.nextElementSibling;
      if (!next || next.matches(CONTROL) || next.querySelector(CONTROL) || underHidden(next)) continue;
      const v = textOf(next);
      if (v && v.split(/\s+/).length === 1) {
        const a = G.accountValue(v);
        if (a) found.add(a);
      }
    }
    return found;
  }
  // account: the one account the page shows, or '' (none, or several).
  function account() {
    const found = accounts();
    return found.size === 1 ? [...found][0] : '';
  }
  function accountProblem() {
    const n = accounts().size;
    return n === 1 ? '' : n === 0 ? 'none' : 'several';
  }

  function pageKind(kf) {
    if (kf.field) return 'form';
    const pw = Array.from(document.querySelectorAll('input[type=password]')).some(visible);
    const code = !!document.querySelector('input[autocomplete=one-time-code]') ||
      /認証コード|確認コード|ワンタイム|二段階認証|二要素認証|CAPTCHA/i.test(document.body ? document.body.innerText : '');
    return pw || code ? 'login' : 'other';
  }

  function inspect() {
    const kf = findKeyField();
    const links = Array.from(document.links).slice(0, 500).map((a) => ({ text: textOf(a) || a.getAttribute('title') || '', href: a.href }));
    return { page: pageKind(kf), problem: kf.problem || '', links, account: account(), accountProblem: accountProblem(), url: location.href };
  }

  function setValue(el, v) {
    const proto = el.tagName === 'TEXTAREA' ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    el.focus();
    Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, v);
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
    el.blur();
  }

  // fill: the account first: unless this page shows the shop's account
  // (want), nothing is read or typed. Then read: already current → nothing
  // is posted. Otherwise set the key (and its twins) as typing would and
  // press the one save button.
  function fill(key, want) {
    const kf = findKeyField();
    const acct = account();
    if (!kf.field) {
      return { outcome: pageKind(kf) === 'login' ? 'needs_login' : 'error', account: acct,
        message: kf.problem === 'several_fields' ? `「${G.KEY_LABEL}」の欄が複数あり、どれか判断できません。送信していません。` : `「${G.KEY_LABEL}」の欄が見つかりません。送信していません。` };
    }
    if (!acct) {
      return { outcome: 'no_account', account: '', message: accountProblem() === 'several'
        ? 'GoQの画面に複数のアカウントが表示されていて、ログイン中のアカウントを確認できません。送信していません。'
        : 'GoQの画面にログイン中のアカウントが表示されていないため、確認できません。送信していません。' };
    }
    if (!want) return { outcome: 'confirm_account', account: acct };
    if (!G.sameAccount(want, acct)) return { outcome: 'wrong_account', account: acct };
    if (kf.field.value === key && kf.twins.every((t) => t.value === key)) return { outcome: 'already_current', account: acct };
    if (kf.field.disabled || kf.field.readOnly) {
      return { outcome: 'error', message: 'GoQの画面のライセンスキー欄が入力できない状態です。送信していません。', account: acct };
    }
    const choice = G.chooseSave(submitButtons(kf.field.form));
    if (choice.error === 'none') {
      return { outcome: 'error', message: `GoQの画面に保存ボタン（「${G.SAVE_LABEL}」など）が見つかりません。送信していません。`, account: acct };
    }
    if (choice.error) {
      return { outcome: 'error', message: `GoQの画面に保存ボタンの候補が複数あり（${choice.candidates.map((n) => '「' + n + '」').join('、')}）、どれを押すべきか判断できません。送信していません。`, account: acct };
    }
    const btn = choice.button.el;
    const method = ((btn.getAttribute('formmethod') || '') ? btn.formMethod : (kf.field.form && kf.field.form.method)) || 'get';
    if (method.toLowerCase() !== 'post') {
      // A GET form would put the key into the URL: history, logs, Referer.
      return { outcome: 'error', message: 'GoQの設定画面のフォームがPOSTではないため（キーがURLに載ります）、送信していません。', account: acct };
    }
    setValue(kf.field, key);
    kf.twins.forEach((t) => setValue(t, key));
    // Answer first: the click navigates away.
    setTimeout(() => btn.click(), 0);
    return { outcome: 'submitted', account: acct };
  }

  // verify reads the page after the save: GoQ's validation message, or the
  // saved value.
  function verify(key) {
    const kf = findKeyField();
    const acct = account();
    if (!kf.field) return { page: pageKind(kf), account: acct };
    const quote = validationMessage();
    if (quote) return { page: 'form', outcome: 'rejected', quote, account: acct };
    if (kf.field.value === key) return { page: 'form', outcome: 'verified', account: acct };
    return { page: 'form', outcome: 'error', message: '保存後のGoQの画面でライセンスキーが新しい値になっていません（表示が伏せ字の場合は確認できません）。GoQの画面を確認してください。', account: acct };
  }

  chrome.runtime.onMessage.addListener((msg, sender, sendResponse) => {
    if (!msg || typeof msg.goq !== 'string' || !fromOurWorker(sender)) return false;
    try {
      switch (msg.goq) {
        case 'inspect': sendResponse(inspect()); break;
        case 'fill': sendResponse(fill(String(msg.key || ''), String(msg.account || ''))); break;
        case 'verify': sendResponse(verify(String(msg.key || ''))); break;
        default: sendResponse({ error: 'unknown' });
      }
    } catch (e) {
      sendResponse({ outcome: 'error', message: 'GoQの画面の処理中にエラー: ' + (e && e.message) });
    }
    return false;
  });
})(globalThis);
