// The popup only asks the service worker (one message per action) and shows
// what it says; it never touches the helper or the page itself.
(function () {
  'use strict';
  const { msg, apply, pick } = globalThis.krI18n;
  const $ = (id) => document.getElementById(id);
  const D = globalThis.keyrelay.delivery;

  function showLine(id, text) {
    $(id).hidden = !text;
    $(id).textContent = text;
  }

  let tabId = null;
  let lastCaptureId = '';
  let capturing = false;
  let detected = null;

  async function call(type, extra) {
    const r = await chrome.runtime.sendMessage(Object.assign({ type }, extra));
    if (!r || !r.ok) throw new Error((r && r.error) || 'no answer');
    return r.result;
  }

  function showError(text) {
    $('error').hidden = !text;
    $('error').textContent = text || '';
  }

  const KIND = {
    app_list: 'kindAppList', license_masked: 'kindMasked', license_revealed: 'kindRevealed',
    license_update_pending: 'kindUpdatePending', unknown_layout: 'kindUnknown', other: 'kindOther', error: 'kindError',
  };
  const STATUS = {
    queued: 'statusQueued', sending: 'statusSending', stored: 'statusStored', rejected: 'statusRejected',
    waiting_login: 'deliveryWaitingLogin', pending: 'deliveryPending', in_progress: 'deliveryInProgress',
    delivered: 'deliveryDelivered', already_current: 'deliveryAlreadyCurrent', superseded: 'deliverySuperseded',
    needs_attention: 'deliveryNeedsAttention', waiting_browser: 'deliveryWaitingBrowser',
  };
  const statusText = (s) => (STATUS[s] ? msg(STATUS[s]) : s || '');

  function renderState(st) {
    const c = $('conn');
    const map = {
      authenticated: ['connAuthenticated', 'ok'], connecting: ['connConnecting', 'wait'],
      pairing: ['connPairing', 'wait'], disconnected: ['connDisconnected', 'bad'],
    };
    const [k, cls] = map[st.connection] || ['connDisconnected', 'bad'];
    c.textContent = msg(k);
    c.className = 'pill ' + cls;
    showError(st.connection !== 'authenticated' ? pick(st.lastError, st.lastErrorEn) : '');

    // The helper on the port does not know our pairing: only the operator
    // may decide to pair again (it may be another program on the port).
    $('repairRow').hidden = !st.pairingUnknown;

    $('pairing').hidden = !st.pairingCode;
    $('pairingCode').textContent = st.pairingCode || '';

    renderGoQ(st);

    const cur = lastCaptureId && st.captures.find((x) => x.capture_id === lastCaptureId);
    if (cur) {
      $('result').hidden = false;
      $('rLast4').textContent = cur.key_last4 || '';
      $('rStatus').textContent = statusText(cur.status) + (cur.status === 'rejected' ? ' ' + pick(cur.detail, cur.detail_en) : '');
      $('rDelivery').textContent = cur.delivery ? statusText(cur.delivery) + ' ' + pick(cur.detail, cur.detail_en) : '';
      // GoQ's own words, verbatim and marked as GoQ's; text, never markup.
      showLine('rQuote', D.quoteLine(cur.quote, msg('goqSaid')));
      showLine('rLogin', D.loginLine(cur.login_id, msg('goqLogin')));
    }
    const recent = st.captures.filter((x) => x.capture_id !== lastCaptureId).slice(0, 5);
    $('recent').hidden = recent.length === 0;
    $('recentList').replaceChildren(...recent.map((x) => {
      const li = document.createElement('li');
      const said = D.quoteLine(x.quote, msg('goqSaid'));
      li.textContent = `${x.app_name || ''} …${x.key_last4 || ''} — ${statusText(x.delivery || x.status)}${said ? ' ' + said : ''}`;
      return li;
    }));
  }

  // Browser-mode delivery: a GoQ tab waiting for the operator's login, and
  // the offer to deliver through this browser's GoQ tab for a key that
  // waits for a GoQ login (or for the GoQ permission).
  let goqOffer = '';
  function renderGoQ(st) {
    const g = st.goq || {};
    const login = g.loginNeeded ? msg('goqLoginNeeded') + (g.loginNeeded.shop ? '（' + g.loginNeeded.shop + '）' : '') : '';
    showLine('goqLogin', login);
    const waiting = (st.captures || []).find((x) => x.delivery === 'waiting_login' || (x.delivery === 'waiting_browser' && !g.permission));
    goqOffer = waiting ? waiting.capture_id : '';
    $('goqUse').hidden = !goqOffer;
    $('goqUseHint').hidden = !goqOffer;
    $('goq').hidden = !login && !goqOffer;
  }

  // useGoQTab runs from the click (a user gesture): only then may the
  // extension ask for the GoQ host permission.
  async function useGoQTab() {
    const captureId = goqOffer;
    try {
      const granted = await chrome.permissions.request({ origins: ['https://*.goqsystem.com/*'] });
      if (!granted) return showError(msg('goqDenied'));
      await call('goq_permission_granted');
      const cur = (await call('state')).captures.find((x) => x.capture_id === captureId);
      if (cur && cur.delivery === 'waiting_login') await call('goq_use_browser', { captureId });
    } catch (e) {
      showError(e.message);
    }
    refresh();
  }

  function renderDetection(d) {
    detected = d;
    $('kind').textContent = msg(KIND[d.kind] || 'kindOther');
    $('reason').textContent = d.capturable ? msg('readyToCapture') : pick(d.reason, d.reasonEn);
    const f = d.fields;
    $('fields').hidden = !f || !(f.appName || f.developer);
    if (f) {
      $('fApp').textContent = f.appName || '';
      $('fDev').textContent = f.developer || '';
      $('fExpiry').textContent = f.expiry || '';
      $('fState').textContent = f.state || '';
    }
    $('capture').disabled = capturing || !d.capturable;
    $('capture').title = d.capturable ? '' : pick(d.reason, d.reasonEn);
  }

  async function refresh() {
    try {
      renderState(await call('state'));
    } catch (e) {
      showError(e.message);
    }
  }

  async function detect() {
    if (tabId == null) return renderDetection({ kind: 'other', capturable: false, reason: msg('noTab'), reasonEn: msg('noTab') });
    try {
      renderDetection(await call('detect', { tabId }));
    } catch (e) {
      renderDetection({ kind: 'error', capturable: false, reason: e.message, reasonEn: e.message });
    }
  }

  async function capture() {
    if (capturing || !detected || !detected.capturable) return;
    capturing = true;
    $('capture').disabled = true;
    $('capture').textContent = msg('capturing');
    try {
      const r = await call('capture', { tabId });
      if (r.captureId) lastCaptureId = r.captureId;
      if (r.status === 'refused' || r.status === 'error') {
        $('reason').textContent = pick(r.reason, r.reasonEn);
      } else if (r.status === 'queued') {
        $('reason').textContent = pick(r.reason, r.reasonEn);
      }
      if (r.keyLast4) {
        $('result').hidden = false;
        $('rLast4').textContent = r.keyLast4;
      }
    } catch (e) {
      $('reason').textContent = e.message;
    } finally {
      capturing = false;
      $('capture').textContent = msg('captureButton');
      await refresh();
      if (detected) $('capture').disabled = !detected.capturable;
    }
  }

  async function init() {
    apply(document);
    // ?tab=<id> lets a test (or a popup opened as a tab) aim at a given tab.
    const q = new URLSearchParams(location.search).get('tab');
    if (q && /^\d+$/.test(q)) {
      tabId = Number(q);
    } else {
      const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
      tabId = tab ? tab.id : null;
    }
    $('capture').addEventListener('click', capture);
    $('goqUse').addEventListener('click', useGoQTab);
    $('history').addEventListener('click', async (ev) => {
      ev.preventDefault();
      try {
        await call('open_history');
        window.close();
      } catch (e) {
        showError(e.message);
      }
    });
    $('repair').addEventListener('click', (ev) => {
      ev.preventDefault();
      chrome.runtime.openOptionsPage();
    });
    $('options').addEventListener('click', (ev) => {
      ev.preventDefault();
      chrome.runtime.openOptionsPage();
    });
    call('connect').catch(() => {});
    await Promise.all([refresh(), detect()]);
    setInterval(refresh, 1000);
  }

  init();
})();
