// Browser-mode delivery (issue 14): the helper hands this browser a key it
// captured (goq_task); this fills it into the operator's own logged-in GoQ
// tab and reports what happened (goq_result). The GoQ host permission is
// optional: asked for from a user gesture only when browser mode is chosen,
// and the GoQ content script is registered only once it is granted.
//
// Exactly once: the content script reads the field before it writes
// (already current → nothing posted); one fill per shop at a time; a task
// re-sent with the same id while it runs joins the run instead of starting
// another; a closed tab or a restarted service worker leads to a fresh run
// that reads first, never to a blind second save. The key lives only in the
// task object in memory.
(function (root) {
  'use strict';

  const kr = root.keyrelay;
  const G = kr.goqrules;
  const ORIGINS = ['https://*.goqsystem.com/*'];
  const CS_ID = 'keyrelay-goq';
  const CS_FILES = ['extension/lib/goqrules.js', 'extension/goqpage.js'];
  const LOAD_TIMEOUT_MS = 30000;
  const TAB_RETRIES = 2;
  const LOGIN_JA = 'GoQにログインしてください';

  const byTask = new Map(); // task id -> Promise of the result
  const byShop = new Map(); // shop -> task id running

  const isGoQHost = (h) => h === 'goqsystem.com' || h.endsWith('.goqsystem.com');
  function goqURL(u) {
    try {
      const x = new URL(u);
      return x.protocol === 'https:' && isGoQHost(x.hostname) ? x : null;
    } catch (e) {
      return null;
    }
  }

  async function hasPermission() {
    try { return await chrome.permissions.contains({ origins: ORIGINS }); } catch (e) { return false; }
  }

  // ensureContentScript registers the GoQ content script once the
  // permission is there (and never before).
  async function ensureContentScript() {
    if (!(await hasPermission())) return false;
    const have = await chrome.scripting.getRegisteredContentScripts({ ids: [CS_ID] });
    if (!have.length) {
      await chrome.scripting.registerContentScripts([{ id: CS_ID, matches: ORIGINS, js: CS_FILES, runAt: 'document_idle', allFrames: false, persistAcrossSessions: true }]);
    }
    return true;
  }

  class TabClosed extends Error {}

  // load runs trigger (a navigation or a click) and resolves once the tab
  // has finished loading the page that follows.
  function load(tabId, trigger) {
    return new Promise((resolve, reject) => {
      let started = false;
      const done = (err) => {
        clearTimeout(timer);
        chrome.tabs.onUpdated.removeListener(onUpd);
        chrome.tabs.onRemoved.removeListener(onRem);
        if (err) reject(err); else resolve();
      };
      const onUpd = (id, info) => {
        if (id !== tabId) return;
        if (info.status === 'loading') started = true;
        if (info.status === 'complete' && started) done();
      };
      const onRem = (id) => { if (id === tabId) done(new TabClosed('the GoQ tab was closed')); };
      const timer = setTimeout(() => done(new Error('GoQの画面が' + LOAD_TIMEOUT_MS / 1000 + '秒以内に表示されませんでした。')), LOAD_TIMEOUT_MS);
      chrome.tabs.onUpdated.addListener(onUpd);
      chrome.tabs.onRemoved.addListener(onRem);
      Promise.resolve().then(trigger).catch((e) => done(e));
    });
  }

  const navigate = (tabId, url) => load(tabId, () => chrome.tabs.update(tabId, { url }));

  async function ask(tabId, msg) {
    try {
      await chrome.tabs.get(tabId);
    } catch (e) {
      throw new TabClosed('the GoQ tab was closed');
    }
    try {
      return await chrome.tabs.sendMessage(tabId, msg, { frameId: 0 });
    } catch (e) {
      // A page loaded before the script was registered has none yet.
      await chrome.scripting.executeScript({ target: { tabId, frameIds: [0] }, files: CS_FILES });
      return chrome.tabs.sendMessage(tabId, msg, { frameId: 0 });
    }
  }

  // goqTab reuses a GoQ tab on base's host, or opens one in the background.
  async function goqTab(base) {
    const tabs = await chrome.tabs.query({ url: base.origin + '/*' });
    if (tabs.length) return tabs[0];
    return chrome.tabs.create({ url: 'about:blank', active: false });
  }

  // ---- the login prompt: badge, popup, resume ----

  async function needLogin(tabId, t) {
    await chrome.storage.session.set({ goqLogin: { shop: t.shop_name || t.shop, tabId, at: new Date().toISOString() } });
    try {
      await chrome.action.setBadgeText({ tabId, text: '!' });
      await chrome.action.setBadgeBackgroundColor({ tabId, color: '#c0392b' });
      await chrome.action.setTitle({ tabId, title: LOGIN_JA + ' (keyrelay)' });
    } catch (e) { /* the tab may be gone */ }
  }

  async function loginCleared(tabId) {
    await chrome.storage.session.remove('goqLogin');
    try {
      await chrome.action.setBadgeText({ tabId, text: '' });
      await chrome.action.setTitle({ tabId, title: '' });
    } catch (e) { /* gone */ }
  }

  // ---- the GoQ account: another account, none shown, or to confirm ----

  // accountStop remembers why a task stopped because of the account (kind
  // 'wrong', 'none' or 'confirm'), for the popup and the resume; per shop.
  async function accountStop(tabId, t, kind, seen) {
    const { goqAccount } = await chrome.storage.session.get('goqAccount');
    const all = Object.assign({}, goqAccount || {});
    all[t.shop] = { kind, shop: t.shop, shopName: t.shop_name || t.shop, want: t.account || '', seen: seen || '', captureId: t.capture_id || '', tabId, at: new Date().toISOString() };
    await chrome.storage.session.set({ goqAccount: all });
    if (kind === 'wrong') {
      try {
        await chrome.action.setBadgeText({ tabId, text: '!' });
        await chrome.action.setBadgeBackgroundColor({ tabId, color: '#c0392b' });
        await chrome.action.setTitle({ tabId, title: wrongAccountJa(seen, t.account) + ' (keyrelay)' });
      } catch (e) { /* the tab may be gone */ }
    }
  }
  const wrongAccountJa = (seen, want) => 'GoQに別のアカウント（' + seen + '）でログインしています。このショップのGoQアカウント（' + want + '）でログインし直してください';

  async function accountCleared(shop) {
    const { goqAccount } = await chrome.storage.session.get('goqAccount');
    if (!goqAccount || !goqAccount[shop]) return;
    const all = Object.assign({}, goqAccount);
    const was = all[shop];
    delete all[shop];
    await chrome.storage.session.set({ goqAccount: all });
    if (was.kind === 'wrong') {
      try {
        await chrome.action.setBadgeText({ tabId: was.tabId, text: '' });
        await chrome.action.setTitle({ tabId: was.tabId, title: '' });
      } catch (e) { /* gone */ }
    }
  }

  // A GoQ tab finished loading while a task waits for the operator: after
  // a login (no longer a login page), or once the tab shows an account
  // other than the wrong one (or any account, where none was shown), tell
  // the helper to re-send; the task then reads everything again.
  chrome.tabs.onUpdated.addListener(async (tabId, info, tab) => {
    if (info.status !== 'complete' || !goqURL(tab.url || '')) return;
    const { goqLogin, goqAccount } = await chrome.storage.session.get(['goqLogin', 'goqAccount']);
    const waits = Object.values(goqAccount || {}).filter((w) => w.kind !== 'confirm');
    if ((!goqLogin && !waits.length) || byShop.size > 0) return;
    let page;
    try {
      page = await ask(tabId, { goq: 'inspect' });
    } catch (e) {
      return;
    }
    if (!page || page.page === 'login') return;
    let ready = false;
    if (goqLogin) {
      await loginCleared(goqLogin.tabId);
      ready = true;
    }
    for (const w of waits) {
      if (page.account && !(w.kind === 'wrong' && G.sameAccount(w.seen, page.account))) {
        await accountCleared(w.shop);
        ready = true;
      }
    }
    if (ready) kr.conn.post({ type: 'goq_ready' });
  });

  // ---- one task ----

  const result = (outcome, extra) => Object.assign({ outcome, account: '', quote: '', message: '', posted: false }, extra || {});

  async function fillOnce(t, base) {
    const tab = await goqTab(base);
    const tabId = tab.id;
    const start = t.settings_path ? new URL(t.settings_path, base).href : base.href;
    await navigate(tabId, start);
    let page = await ask(tabId, { goq: 'inspect' });
    if (page.page !== 'form' && start !== base.href && page.page !== 'login') {
      // The shortcut is used only when its page has the label.
      await navigate(tabId, base.href);
      page = await ask(tabId, { goq: 'inspect' });
    }
    for (const step of G.ROUTE) {
      if (page.page !== 'other') break;
      const href = G.routeLink(page.links || [], step, base.host);
      if (!href) continue;
      await navigate(tabId, href);
      page = await ask(tabId, { goq: 'inspect' });
    }
    if (page.page === 'login') {
      await needLogin(tabId, t);
      return result('needs_login', { account: page.account });
    }
    if (page.page !== 'form') {
      const why = page.problem === 'several_fields' ? '「' + G.KEY_LABEL + '」の欄が複数あり、どれか判断できません' : '「' + G.KEY_LABEL + '」の欄が見つかりません';
      return result('error', { message: 'GoQのWEBAPI設定画面に届きませんでした（' + why + '）。送信していません。', account: page.account });
    }
    await loginCleared(tabId);
    // The account before anything is read or typed (the content script
    // checks it again in fill): only the shop's own account gets its key.
    if (!page.account) {
      await accountStop(tabId, t, 'none', '');
      return result('no_account', { message: page.accountProblem === 'several'
        ? 'GoQの画面に複数のアカウントが表示されていて、ログイン中のアカウントを確認できません。送信していません。'
        : 'GoQの画面にログイン中のアカウントが表示されていないため、確認できません。送信していません。' });
    }
    if (!t.account) {
      await accountStop(tabId, t, 'confirm', page.account);
      return result('confirm_account', { account: page.account });
    }
    if (!G.sameAccount(t.account, page.account)) {
      await accountStop(tabId, t, 'wrong', page.account);
      return result('wrong_account', { account: page.account, message: wrongAccountJa(page.account, t.account) });
    }
    await accountCleared(t.shop);
    const formURL = page.url;

    let filled;
    let posted = false;
    try {
      await load(tabId, async () => {
        filled = await ask(tabId, { goq: 'fill', key: t.key, account: t.account });
        if (filled.outcome !== 'submitted') throw Object.assign(new Error('not submitted'), { notSubmitted: true });
        posted = true;
      });
    } catch (e) {
      if (!e.notSubmitted) throw Object.assign(e, { posted });
    }
    if (filled.outcome !== 'submitted') {
      if (filled.outcome === 'needs_login') await needLogin(tabId, t);
      if (filled.outcome === 'wrong_account') await accountStop(tabId, t, 'wrong', filled.account);
      return result(filled.outcome, { message: filled.message || '', account: filled.account || (filled.outcome === 'no_account' ? '' : page.account) });
    }
    let v = await ask(tabId, { goq: 'verify', key: t.key });
    if (v.page === 'other' || v.outcome === 'verified') {
      // GoQ moved on to the next step, or answered with the form holding
      // what was typed: only the form opened afresh shows what GoQ stored.
      await navigate(tabId, formURL);
      v = await ask(tabId, { goq: 'verify', key: t.key });
    }
    if (v.page === 'login') {
      await needLogin(tabId, t);
      return result('needs_login', { posted: true, account: v.account });
    }
    // The page after the save must not show another account (it is the
    // helper's check too: green only for the shop's account).
    if (v.account && !G.sameAccount(t.account, v.account)) {
      return result('wrong_account', { posted: true, account: v.account, message: '保存後のGoQの画面に別のアカウント（' + v.account + '）が表示されています。' });
    }
    return result(v.outcome || 'error', { quote: v.quote || '', message: v.message || '', posted: true, account: v.account || filled.account || page.account });
  }

  async function runTask(t) {
    const base = goqURL(t.base_url);
    if (!base) return result('error', { message: 'GoQのURL（' + String(t.base_url).slice(0, 200) + '）は https://…goqsystem.com/ ではありません。' });
    if (!(await hasPermission())) return result('needs_permission');
    await ensureContentScript();
    for (let i = 0; ; i++) {
      try {
        return await fillOnce(t, base);
      } catch (e) {
        // A closed tab: start over in a new one, reading first.
        if (e instanceof TabClosed && i < TAB_RETRIES) continue;
        return result('error', { message: String((e && e.message) || e).slice(0, 500), posted: !!(e && e.posted) });
      }
    }
  }

  function validTask(m) {
    return ['task_id', 'shop', 'key', 'base_url'].every((f) => typeof m[f] === 'string' && m[f] !== '');
  }

  // onTask handles one goq_task push from the helper.
  function onTask(m) {
    if (!validTask(m)) return;
    const id = m.task_id;
    let p = byTask.get(id);
    if (!p) {
      if (byShop.has(m.shop)) {
        // Another task of this shop is filling: the helper sends one at a
        // time, so this can only be a stale one. Say so; it will re-send.
        kr.conn.post({ type: 'goq_result', task_id: id, outcome: 'error', message: 'この店舗のGoQ反映が実行中です。' });
        return;
      }
      const t = { task_id: id, shop: m.shop, shop_name: typeof m.shop_name === 'string' ? m.shop_name : '', key: m.key, base_url: m.base_url,
        settings_path: typeof m.settings_path === 'string' ? m.settings_path : '',
        account: typeof m.account === 'string' ? m.account : '', capture_id: typeof m.capture_id === 'string' ? m.capture_id : '' };
      byShop.set(m.shop, id);
      p = runTask(t).finally(() => { byTask.delete(id); byShop.delete(m.shop); t.key = ''; });
      byTask.set(id, p);
    }
    p.then((r) => {
      const out = { type: 'goq_result', task_id: id, outcome: r.outcome };
      if (r.account) out.account = String(r.account).slice(0, 200);
      if (r.quote) out.quote = String(r.quote).slice(0, 2000);
      if (r.message) out.message = String(r.message).slice(0, 2000);
      if (r.posted) out.posted = true;
      kr.conn.post(out);
    });
  }

  // The permission was granted (popup or options button): register the
  // content script and let waiting tasks go.
  async function permissionGranted() {
    if (await ensureContentScript()) kr.conn.post({ type: 'goq_ready' });
  }
  if (chrome.permissions && chrome.permissions.onAdded) chrome.permissions.onAdded.addListener(() => { permissionGranted(); });

  async function goqState() {
    const { goqLogin, goqAccount } = await chrome.storage.session.get(['goqLogin', 'goqAccount']);
    const waits = Object.values(goqAccount || {});
    const c = waits.find((w) => w.kind === 'confirm');
    const other = waits.find((w) => w.kind !== 'confirm');
    return {
      permission: await hasPermission(),
      loginNeeded: goqLogin ? { shop: goqLogin.shop || '', message: LOGIN_JA } : null,
      running: byShop.size,
      // The first-use question: 「GoQアカウント X にこのショップのキーを反映しますか？」
      confirm: c ? { shop: c.shop, shopName: c.shopName, account: c.seen, captureId: c.captureId } : null,
      // Another account, or none shown: what the operator has to do.
      account: other ? { shop: other.shop, shopName: other.shopName, kind: other.kind, want: other.want, seen: other.seen,
        message: other.kind === 'wrong' ? wrongAccountJa(other.seen, other.want) : 'GoQの画面にログイン中のアカウントが表示されていないため、確認できません。送信していません。' } : null,
    };
  }

  // confirmAccount is the operator's answer to the first-use question (a
  // click in the popup): the helper pins the account for the shop of this
  // browser's capture (goq_account) and re-sends the task.
  async function confirmAccount(captureId, account) {
    const { goqAccount } = await chrome.storage.session.get('goqAccount');
    const w = Object.values(goqAccount || {}).find((x) => x.kind === 'confirm' && x.captureId === captureId && x.seen === account);
    if (!w) throw new Error('確認するGoQアカウントがありません。');
    const r = await kr.conn.request({ type: 'goq_account', capture_id: captureId, account });
    await accountCleared(w.shop);
    return r;
  }

  kr.goq = { onTask, goqState, permissionGranted, ensureContentScript, confirmAccount, ORIGINS };
})(globalThis);
