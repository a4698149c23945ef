// keyrelay service worker: the one handler table, the capture path, the
// outbox and the test entry points (docs/TESTING.md). Classic script, not a
// module, so Chrome's service_worker and Firefox's background.scripts load
// the same files (Firefox lists them in manifest.json; Chrome imports them).
'use strict';

if (typeof importScripts === 'function' && typeof document === 'undefined') {
  importScripts('lib/limits.js', 'lib/text.js', 'lib/key.js', 'lib/proof.js', 'lib/classify.js', 'lib/wire.js', 'bg/store.js', 'bg/states.js', 'bg/probe.js', 'bg/connection.js', 'bg/badge.js', 'lib/goqrules.js', 'bg/goq.js');
}

(function (root) {
  const kr = root.keyrelay;
  const S = kr.store;
  const C = kr.classify;
  const conn = kr.conn;

  const RMS_HOSTS = ['webservice.rms.rakuten.co.jp', 'mainmenu.rms.rakuten.co.jp'];
  const CONTENT_FILES = ['extension/lib/limits.js', 'extension/lib/text.js', 'extension/lib/key.js', 'extension/lib/snapshot.js', 'extension/lib/classify.js', 'extension/content.js'];
  // Helper refusals that a resend cannot fix: drop the capture from the outbox.
  const PERMANENT = new Set(['invalid_key', 'invalid_capture', 'bad_message', 'bad_json', 'bad_version', 'unknown_type']);
  const MAX_STR = 4000;

  const extBase = chrome.runtime.getURL('');
  let paired = false;
  let alerts = [];
  let localUpdatePending = false;
  const inflight = new Map(); // capture_id -> Promise

  function isRmsUrl(u) {
    try {
      const url = new URL(u);
      return url.protocol === 'https:' && RMS_HOSTS.includes(url.hostname);
    } catch (e) {
      return false;
    }
  }

  const refusal = (ja, en) => ({ reason: ja, reasonEn: en });
  const R = {
    notRms: refusal('このタブは楽天RMSのページではありません。RMSの「ライセンス情報」ページで使ってください。',
      'This tab is not an RMS page. Use keyrelay on the RMS license page (ライセンス情報).'),
    notPaired: refusal('keyrelayヘルパーとのペアリングがまだです。ポップアップに表示されるコードをヘルパーで承認してから、もう一度取得してください。',
      'This browser is not paired with the keyrelay helper yet. Approve the code shown in the popup in the helper, then capture again.'),
    queued: refusal('keyrelayヘルパーに接続できないため、送信待ちにしました。ヘルパーが起動すると自動で送信します（ブラウザは閉じないでください）。',
      'The keyrelay helper is not reachable; the capture is queued and will be sent when it starts (keep the browser open).'),
    noAnswer: refusal('ページから応答がありません。ページを再読み込みしてから、もう一度お試しください。',
      'The page did not answer. Reload it and try again.'),
  };

  // ---- trust: decided from sender, never from the message body ----

  function fromContentScript(sender) {
    return !!sender && sender.id === chrome.runtime.id && !!sender.tab && (sender.frameId === 0 || sender.frameId === undefined) &&
      isRmsUrl(sender.url || '') && (!sender.origin || isRmsUrl(sender.origin + '/'));
  }

  // Our own pages (popup, options), also when opened in a tab: only the
  // extension's own documents have this URL; content scripts report the
  // page's URL.
  function fromExtensionPage(sender) {
    return !!sender && sender.id === chrome.runtime.id && typeof sender.url === 'string' && sender.url.startsWith(extBase) &&
      (!sender.tab || !sender.tab.url || sender.tab.url.startsWith(extBase));
  }

  // ---- badge and state ----

  function hasInFlight() {
    return inflight.size > 0 || pendingDeliveries > 0;
  }
  let pendingDeliveries = 0;

  async function refreshBadge() {
    try {
      const st = await getState();
      paired = st.paired;
      pendingDeliveries = st.captures.filter((c) => c.status === 'stored' && !isFinalDelivery(c.delivery)).length;
      kr.badge.applyBadge(st, st.vars);
    } catch (e) {
      console.warn('keyrelay: badge', e);
    }
  }

  // stateVars fill the state table's {placeholders} (docs/STATES.md).
  function stateVars(port, code) {
    const ua = (root.navigator && (navigator.userAgentData && navigator.userAgentData.platform || navigator.platform || navigator.userAgent)) || '';
    return Object.assign({ port, code, start: kr.states.startCommand(ua), origin: extBase.replace(/\/$/, ''), want: kr.states.PROTOCOL },
      (conn.diagnosis && conn.diagnosis.vars) || {});
  }

  function isFinalDelivery(s) {
    return ['delivered', 'already_current', 'superseded', 'needs_attention'].includes(s);
  }

  // deliveryStatus is what keyrelayState reports per capture: the helper's
  // delivery status once pushed, else our own (queued, sending, stored,
  // rejected).
  const deliveryStatus = (c) => c.delivery || c.status;

  async function getState() {
    const [creds, pending, outbox, captures, port] = await Promise.all([S.getCreds(), S.getPending(), S.outboxAll(), S.capturesAll(), S.getPort()]);
    const deliveries = {};
    for (const [id, c] of Object.entries(captures)) deliveries[id] = deliveryStatus(c);
    const pairingCode = creds ? '' : (conn.pairingCode || (pending && pending.code) || '');
    return {
      connection: conn.state,
      paired: !!creds,
      // The helper on the port refused our pairing: the popup and options
      // page say so and point at 再ペアリング (nothing is re-paired by itself).
      pairingUnknown: !!creds && conn.pairingUnknown,
      pairingCode,
      // What the hello probe found when the WebSocket failed (docs/STATES.md).
      diagnosis: conn.diagnosis,
      vars: stateVars(port, pairingCode),
      outbox: Object.keys(outbox).length,
      deliveries,
      // For the popup:
      port,
      lastError: conn.lastError,
      lastErrorEn: conn.lastErrorEn,
      alerts,
      updatePending: localUpdatePending,
      // Browser-mode delivery: the GoQ permission, and a GoQ tab waiting
      // for the operator's login (「GoQにログインしてください」).
      goq: await kr.goq.goqState(),
      captures: Object.entries(captures).map(([id, c]) => Object.assign({ capture_id: id }, c))
        .sort((a, b) => String(b.at).localeCompare(String(a.at))),
    };
  }

  // ---- detection ----

  async function inject(tabId) {
    await chrome.scripting.executeScript({ target: { tabId, frameIds: [0] }, files: CONTENT_FILES });
  }

  async function askTab(tabId, withKey, declineUpdate) {
    const msg = { type: 'detect', withKey: !!withKey, declineUpdate: !!declineUpdate };
    try {
      return await chrome.tabs.sendMessage(tabId, msg, { frameId: 0 });
    } catch (e) {
      // A tab opened before the extension was installed or reloaded has no
      // content script yet.
      await inject(tabId);
      return chrome.tabs.sendMessage(tabId, msg, { frameId: 0 });
    }
  }

  // inspect asks the tab's content script what the page is and applies the
  // checks that need the service worker's memory (the last アプリ一覧).
  async function inspect(tabId, withKey, declineUpdate) {
    if (!Number.isInteger(tabId)) throw new Error('tabId must be an integer');
    const tab = await chrome.tabs.get(tabId);
    if (!isRmsUrl(tab.url || '')) {
      return { kind: 'other', capturable: false, reason: R.notRms.reason, reasonEn: R.notRms.reasonEn, keyLast4: '', fields: null };
    }
    let det;
    try {
      det = await askTab(tabId, withKey, declineUpdate);
    } catch (e) {
      return { kind: 'error', capturable: false, reason: R.noAnswer.reason, reasonEn: R.noAnswer.reasonEn + ' (' + e.message + ')', keyLast4: '' };
    }
    if (!det || typeof det.kind !== 'string') {
      return { kind: 'error', capturable: false, reason: R.noAnswer.reason, reasonEn: R.noAnswer.reasonEn, keyLast4: '' };
    }
    if (!isRmsUrl(det.pageUrl || '')) {
      return { kind: 'other', capturable: false, reason: R.notRms.reason, reasonEn: R.notRms.reasonEn, keyLast4: '' };
    }
    if (det.kind === 'license_update_pending') localUpdatePending = true;
    if (det.capturable) {
      const x = C.checkAgainstListing(det, await S.getAppList());
      if (x) Object.assign(det, { capturable: false, reason: x.reason, reasonEn: x.reasonEn });
    }
    if (!det.capturable) delete det.key;
    refreshBadge();
    return det;
  }

  async function detectPublic(tabId) {
    const det = await inspect(tabId, false);
    delete det.key;
    return det;
  }

  // ---- capture and outbox ----

  const cap = (s) => String(s == null ? '' : s).slice(0, MAX_STR);

  const buildCapture = (det) => kr.wire.buildCapture(det, crypto.randomUUID(), new Date().toISOString());

  // sendCapture sends one outbox entry; concurrent calls for the same id
  // share one attempt. Resends reuse the capture_id; the helper dedupes.
  function sendCapture(capture) {
    const id = capture.capture_id;
    if (inflight.has(id)) return inflight.get(id);
    const p = (async () => {
      await S.captureUpdate(id, { status: 'sending' });
      try {
        const ack = await conn.request({ type: 'capture', capture }, 15000);
        if (ack.type !== 'capture_ack' || ack.capture_id !== id) throw Object.assign(new Error('unexpected reply ' + ack.type), { code: 'bad_reply' });
        await S.outboxRemove(id);
        await S.captureUpdate(id, { status: 'stored', stored_id: ack.stored_id, duplicate: !!ack.duplicate });
        return { status: 'stored', reason: '' };
      } catch (e) {
        if (PERMANENT.has(e.code)) {
          await S.outboxRemove(id);
          await S.captureUpdate(id, { status: 'rejected', detail: e.message_ja || '', detail_en: e.message_en || '' });
          return { status: 'error', reason: e.message_ja || 'ヘルパーがこのキーを受け付けませんでした。', reasonEn: e.message_en || 'The helper refused this capture.' };
        }
        await S.captureUpdate(id, { status: 'queued' });
        return { status: 'queued', reason: R.queued.reason, reasonEn: R.queued.reasonEn };
      }
    })().finally(() => { inflight.delete(id); refreshBadge(); });
    inflight.set(id, p);
    return p;
  }

  let flushing = null;
  function flushOutbox() {
    if (flushing) return flushing;
    flushing = (async () => {
      const all = await S.outboxAll();
      const entries = Object.values(all).sort((a, b) => String(a.queuedAt).localeCompare(String(b.queuedAt)));
      for (const e of entries) {
        if (conn.state !== 'authenticated') break;
        await sendCapture(e.capture);
      }
      const pendingList = await chrome.storage.session.get('appListUnsent');
      if (pendingList.appListUnsent && conn.state === 'authenticated') {
        // Sent, or refused by the helper (never resent): either way it is done.
        await conn.request({ type: 'app_list', listing: pendingList.appListUnsent })
          .then(() => chrome.storage.session.remove('appListUnsent'),
            (e) => (PERMANENT.has(e.code) ? chrome.storage.session.remove('appListUnsent') : undefined));
      }
    })().finally(() => { flushing = null; });
    return flushing;
  }

  // captureTab is the capture button's whole path (and keyrelayCapture's).
  // declineUpdate is the second button, 更新せずに取得: capture the key shown
  // although RMS offers アップデートする.
  async function captureTab(tabId, declineUpdate) {
    const det = await inspect(tabId, true, declineUpdate);
    const out = { status: 'refused', reason: det.reason || '', reasonEn: det.reasonEn || '', captureId: '', kind: det.kind, keyLast4: det.keyLast4 || '' };
    if (det.kind === 'error') return Object.assign(out, { status: 'error' });
    if (!det.capturable || !det.key) return out;
    if (!(await S.getCreds())) {
      conn.connect();
      return Object.assign(out, R.notPaired);
    }
    const capture = buildCapture(det);
    const bad = kr.wire.identityProblem(capture);
    if (bad) return Object.assign(out, bad);
    await S.outboxPut(capture);
    // Whether the helper will paste this key into GoQSystem (keyrelay.DeliversTo).
    out.deliversToGoQ = kr.text.deliversTo('goq', capture.app_name);
    await S.captureUpdate(capture.capture_id, {
      status: 'queued', key_last4: out.keyLast4, app_name: capture.app_name, shop_name: capture.shop.name, shop_id: capture.shop.id,
      update_pending: capture.update_pending, at: capture.captured_at,
      delivers_to_goq: out.deliversToGoQ,
    });
    out.captureId = capture.capture_id;
    if (conn.state !== 'authenticated') {
      conn.connect();
      await conn.whenAuthenticated(3000);
    }
    if (conn.state !== 'authenticated') return Object.assign(out, { status: 'queued' }, R.queued);
    const r = await sendCapture(capture);
    return Object.assign(out, { reason: '', reasonEn: '' }, r);
  }

  async function safeCapture(tabId, declineUpdate) {
    try {
      return await captureTab(tabId, !!declineUpdate);
    } catch (e) {
      return { status: 'error', reason: '取得中にエラーが発生しました: ' + e.message, reasonEn: 'Capture failed: ' + e.message, captureId: '', kind: '', keyLast4: '' };
    }
  }

  // ---- app list (expiry tracking) ----

  const cleanListing = (l, pageUrl) => kr.wire.cleanListing(l, pageUrl, new Date().toISOString());

  async function onAppListSeen(msg, sender) {
    const listing = cleanListing(msg.listing, sender.url);
    await S.setAppList(listing);
    localUpdatePending = listing.rows.some((r) => r.update_pending);
    refreshBadge();
    if (conn.state === 'authenticated') {
      try {
        await conn.request({ type: 'app_list', listing });
        return { sent: true };
      } catch (e) {
        // A listing the helper refused is never resent: it would refuse it again.
        if (PERMANENT.has(e.code)) return { sent: false, refused: e.code };
      }
    }
    await chrome.storage.session.set({ appListUnsent: listing });
    conn.connect();
    return { sent: false };
  }

  // ---- pages' requests ----

  async function openHistory() {
    if (conn.state !== 'authenticated') throw new Error('keyrelayヘルパーに接続していません。 (not connected to the helper)');
    const r = await conn.request({ type: 'login_url' });
    const u = new URL(r.url);
    if (u.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) throw new Error('unexpected login URL');
    await chrome.tabs.create({ url: u.href });
    return { opened: true };
  }

  async function setPort(port) {
    const n = await S.setPort(port);
    await conn.reconnectNow();
    return { port: n };
  }

  // repair is the operator's 再ペアリング, the only way an existing pairing is
  // replaced (a helper that refuses it is not trusted to decide that).
  async function repair() {
    await S.forgetPairing();
    conn.pairingCode = '';
    conn.pairingUnknown = false;
    await conn.reconnectNow();
    return { ok: true };
  }

  // ---- the one handler table ----

  const handlers = {
    app_list_seen: { from: 'content', run: onAppListSeen },
    state: { from: 'page', run: () => getState() },
    detect: { from: 'page', run: (m) => detectPublic(m.tabId) },
    capture: { from: 'page', run: (m) => safeCapture(m.tabId, m.declineUpdate === true) },
    open_history: { from: 'page', run: () => openHistory() },
    set_port: { from: 'page', run: (m) => setPort(m.port) },
    repair: { from: 'page', run: () => repair() },
    connect: { from: 'page', run: () => { conn.connect(); return { ok: true }; } },
    goq_state: { from: 'page', run: () => kr.goq.goqState() },
    goq_permission_granted: { from: 'page', run: () => kr.goq.permissionGranted().then(() => ({ ok: true })) },
    // The popup's offer: this capture's shop delivers through this
    // browser's GoQ tab (the helper agrees only for a shop without a login).
    goq_use_browser: { from: 'page', run: (m) => conn.request({ type: 'goq_mode', capture_id: String(m.captureId || '') }) },
    // The operator confirms the GoQ account the tab showed (first use).
    goq_confirm_account: { from: 'page', run: (m) => kr.goq.confirmAccount(String(m.captureId || ''), String(m.account || '')) },
  };

  chrome.runtime.onMessage.addListener((msg, sender, sendResponse) => {
    const h = msg && typeof msg.type === 'string' && Object.prototype.hasOwnProperty.call(handlers, msg.type) ? handlers[msg.type] : null;
    if (!h) return false;
    const trusted = h.from === 'content' ? fromContentScript(sender) : fromExtensionPage(sender);
    if (!trusted) {
      console.warn('keyrelay: refused', msg.type, 'from', sender && sender.url);
      sendResponse({ ok: false, error: 'forbidden' });
      return false;
    }
    Promise.resolve()
      .then(() => h.run(msg, sender))
      .then((result) => sendResponse({ ok: true, result }), (e) => sendResponse({ ok: false, error: String(e && e.message || e) }));
    return true;
  });

  // ---- helper pushes ----

  conn.hooks = {
    change: () => refreshBadge(),
    inFlight: hasInFlight,
    authenticated: () => {
      flushOutbox();
      conn.request({ type: 'status' }).then((m) => { alerts = Array.isArray(m.alerts) ? m.alerts : []; refreshBadge(); }, () => {});
    },
    push: async (msg) => {
      if (msg.type === 'delivery' && typeof msg.capture_id === 'string') {
        // Only our own captures: a delivery of another browser's capture
        // would be a nameless row here (the helper sends none; belt and braces).
        if (!(msg.capture_id in (await S.capturesAll()))) return;
        await S.captureUpdate(msg.capture_id, {
          delivery: String(msg.status || ''), detail: cap(msg.detail), detail_en: cap(msg.detail_en), delivery_at: cap(msg.at),
          // GoQ's own words and the login of the latest attempt (absent: none).
          quote: cap(msg.quote), login_id: cap(msg.login_id),
        });
        refreshBadge();
      } else if (msg.type === 'goq_task' && kr.goq) {
        kr.goq.onTask(msg);
      } else if (msg.type === 'status') {
        alerts = Array.isArray(msg.alerts) ? msg.alerts : [];
        refreshBadge();
      }
    },
  };

  // ---- wake-ups ----

  // An MV3 service worker dies when idle; the alarm brings it back to
  // reconnect and flush the outbox (nothing is lost while the helper is down).
  if (chrome.alarms) {
    chrome.alarms.get('keyrelay-reconnect').then((a) => {
      if (!a) chrome.alarms.create('keyrelay-reconnect', { periodInMinutes: 0.5 });
    }, () => {});
    chrome.alarms.onAlarm.addListener((a) => { if (a.name === 'keyrelay-reconnect') conn.connect(); });
  }
  chrome.runtime.onStartup.addListener(() => conn.connect());
  chrome.runtime.onInstalled.addListener(() => conn.connect());
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area === 'local' && (changes.pairing || changes.pendingPairing)) refreshBadge();
  });

  // ---- test entry points (docs/TESTING.md) ----

  // Only the browser tests' copy of the extension defines the installer (its
  // manifest starts the service worker at a file that does, then runs this
  // one); the shipped extension exposes nothing here. docs/TESTING.md.
  if (typeof root.keyrelayTestHooks === 'function') {
    root.keyrelayTestHooks({
      capture: (tabId, declineUpdate) => safeCapture(tabId, declineUpdate),
      detect: (tabId) => detectPublic(tabId).catch((e) => ({ kind: 'error', capturable: false, reason: e.message, keyLast4: '' })),
      state: () => getState(),
      setPort: (port) => setPort(port),
      // push hands msg to the handler of the helper's pushes, as if it came
      // on the socket: browser tests use it to reach each delivery state.
      push: (msg) => conn.hooks.push(msg).then(() => getState()),
      badge: async () => {
        await refreshBadge();
        const [text, title] = await Promise.all([chrome.action.getBadgeText({}), chrome.action.getTitle({})]);
        return { text, title };
      },
    });
  }

  refreshBadge();
  conn.connect();
})(globalThis);
