// The popup only asks the service worker (one message per action) and shows
// what it says; it never touches the helper or the page itself. Every state
// line comes from the one state table (bg/states.js, docs/STATES.md).
(function () {
  'use strict';
  const { msg, apply, pick, isJa } = globalThis.krI18n;
  const St = globalThis.keyrelay.states;
  const $ = (id) => document.getElementById(id);
  const D = globalThis.keyrelay.delivery;
  const lang = () => (isJa() ? 'ja' : 'en');

  let tabId = null;
  let lastCaptureId = '';
  let capturing = false;
  let detected = null;

  async function call(type, extra) {
    const r = await chrome.runtime.sendMessage(Object.assign({ type }, extra));
    if (!r || !r.ok) throw new Error((r && r.error) || 'no answer');
    return r.result;
  }

  const KIND = {
    app_list: 'kindAppList', license_masked: 'kindMasked', license_revealed: 'kindRevealed',
    license_update_pending: 'kindUpdatePending', unknown_layout: 'kindUnknown', other: 'kindOther', error: 'kindError',
  };
  const PILL = {
    connected: ['pillConnected', 'ok'], pairing_pending: ['pillPairingPending', 'wait'], pairing_revoked: ['pillPairingRevoked', 'bad'],
    helper_unreachable: ['pillHelperUnreachable', 'bad'], port_other: ['pillPortOther', 'bad'],
    version_mismatch: ['pillVersionMismatch', 'bad'], origin_refused: ['pillOriginRefused', 'bad'],
  };

  // captureLine is one capture's state in words, with GoQ's own words for
  // a delivery that needs attention.
  function captureLine(c, vars) {
    const state = St.deliveryState(c);
    if (state === 'rejected') return pick(c.detail, c.detail_en);
    // GoQ's own words, verbatim and marked as GoQ's; text, never markup.
    const said = D.quoteLine(c.quote, msg('goqSaid'));
    const quote = said ? said + ' ' : '';
    let line = St.line(state, 'popup', lang(), Object.assign({}, vars, { quote }));
    if (c.update_pending) line += ' ' + msg('updatePendingKept');
    return line;
  }

  function shopLabel(c) {
    const name = c.shop_name || '';
    const id = c.shop_id || '';
    if (name && id) return `${name}（${id}）`;
    return name || id || '—';
  }

  function renderState(st) {
    const connState = St.connectionState(st);
    const [pk, cls] = PILL[connState] || ['connConnecting', 'wait'];
    $('conn').textContent = msg(pk);
    $('conn').className = 'pill ' + cls;

    // One connection line, from the table; it ends with its cause.
    const line = connState && connState !== 'pairing_pending' ? St.line(connState, 'popup', lang(), st.vars) : '';
    $('connLine').hidden = !line;
    $('connLine').textContent = line;
    $('connLine').className = 'line ' + ({ connected: 'ok', pairing_revoked: 'warn' }[connState] || 'bad');
    $('repairRow').hidden = connState !== 'pairing_revoked';

    $('pairing').hidden = !st.pairingCode;
    $('pairingCode').textContent = st.pairingCode || '';
    $('pairing').querySelector('.hint').textContent = st.pairingCode ? St.line('pairing_pending', 'popup', lang(), st.vars) : '';
    // The first screen (nothing paired yet) says to pin the button.
    $('pinHint').hidden = st.paired;

    const alerts = st.alerts || [];
    $('alerts').hidden = alerts.length === 0;
    $('alertList').replaceChildren(...alerts.map((a) => {
      const li = document.createElement('li');
      li.className = 'alert';
      li.textContent = pick(a.message, a.message_en);
      return li;
    }));

    renderGoQ(st);

    const cur = lastCaptureId && st.captures.find((x) => x.capture_id === lastCaptureId);
    if (cur) {
      $('result').hidden = false;
      $('rLast4').textContent = cur.key_last4 || '';
      $('rStatus').textContent = captureLine(cur, st.vars);
    }
    const recent = st.captures.slice(0, 10);
    $('recent').hidden = recent.length === 0;
    $('recentList').replaceChildren(...recent.map((x) => {
      const li = document.createElement('li');
      const head = document.createElement('div');
      head.className = 'cap';
      head.textContent = `${shopLabel(x)} · ${x.app_name || ''} · ${msg('last4Label')} ${x.key_last4 || ''}`;
      const state = document.createElement('div');
      state.className = 'capstate ' + St.deliveryState(x);
      state.textContent = captureLine(x, st.vars);
      li.append(head, state);
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
    $('goqLogin').hidden = !login;
    $('goqLogin').textContent = login;
    const waiting = (st.captures || []).find((x) => x.delivery === 'waiting_login' || (x.delivery === 'waiting_browser' && !g.permission));
    goqOffer = waiting ? waiting.capture_id : '';
    $('goqUse').hidden = !goqOffer;
    $('goqUseHint').hidden = !goqOffer;
    // The GoQ account: another one logged in, or none shown (text only).
    const acct = g.account ? (g.account.kind === 'wrong' ? msg('goqWrongAccount', [g.account.seen, g.account.want]) : msg('goqNoAccount')) +
      (g.account.shopName ? '（' + g.account.shopName + '）' : '') : '';
    $('goqAccount').hidden = !acct;
    $('goqAccount').textContent = acct;
    // First use: the operator confirms the account the GoQ tab shows.
    goqConfirm = g.confirm && g.confirm.account ? g.confirm : null;
    $('goqConfirm').hidden = !goqConfirm;
    if (goqConfirm) {
      $('goqConfirmQ').textContent = msg('goqConfirmAccount', [goqConfirm.account]);
      $('goqConfirmShop').textContent = msg('goqConfirmShop', [goqConfirm.shopName || goqConfirm.shop]);
    }
    $('goq').hidden = !login && !goqOffer && !acct && !goqConfirm;
  }

  // confirmGoQAccount: the click pins the shown account for the shop (the
  // helper accepts it only for this browser's capture of a shop without one).
  let goqConfirm = null;
  async function confirmGoQAccount() {
    const c = goqConfirm;
    if (!c) return;
    try {
      await call('goq_confirm_account', { captureId: c.captureId, account: c.account });
    } catch (e) {
      goqError(e.message);
    }
    refresh();
  }

  function goqError(text) {
    $('goq').hidden = false;
    $('goqLogin').hidden = false;
    $('goqLogin').textContent = text;
  }

  // useGoQTab runs from the click (a user gesture): only then may the
  // extension ask for the GoQ host permission.
  async function useGoQTab() {
    const captureId = goqOffer;
    try {
      const granted = await chrome.permissions.request({ origins: ['https://*.goqsystem.com/*'] });
      if (!granted) return goqError(msg('goqDenied'));
      await call('goq_permission_granted');
      const cur = (await call('state')).captures.find((x) => x.capture_id === captureId);
      if (cur && cur.delivery === 'waiting_login') await call('goq_use_browser', { captureId });
    } catch (e) {
      goqError(e.message);
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
    // The second action: only where RMS shows the key next to アップデートする.
    $('noUpdateRow').hidden = !(d.kind === 'license_update_pending' && d.keyLast4);
    $('captureNoUpdate').disabled = capturing;
  }

  async function refresh() {
    try {
      renderState(await call('state'));
    } catch (e) {
      $('connLine').hidden = false;
      $('connLine').textContent = e.message;
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

  async function capture(declineUpdate) {
    if (capturing || !detected) return;
    if (!declineUpdate && !detected.capturable) return;
    capturing = true;
    $('capture').disabled = true;
    $('captureNoUpdate').disabled = true;
    $('capture').textContent = msg('capturing');
    try {
      const r = await call('capture', { tabId, declineUpdate: !!declineUpdate });
      if (r.captureId) lastCaptureId = r.captureId;
      if (r.status !== 'stored') $('reason').textContent = pick(r.reason, r.reasonEn);
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
      if (detected) {
        $('capture').disabled = !detected.capturable;
        $('captureNoUpdate').disabled = false;
      }
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
    $('capture').addEventListener('click', () => capture(false));
    $('captureNoUpdate').addEventListener('click', () => capture(true));
    $('goqUse').addEventListener('click', useGoQTab);
    $('goqConfirmYes').addEventListener('click', confirmGoQAccount);
    $('history').addEventListener('click', async (ev) => {
      ev.preventDefault();
      try {
        await call('open_history');
        window.close();
      } catch (e) {
        $('connLine').hidden = false;
        $('connLine').textContent = e.message;
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
