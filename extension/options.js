// Options: the helper's port and re-pairing. Both go through the service
// worker, which owns the connection and the stored pairing.
(function () {
  'use strict';
  const { msg, apply, isJa } = globalThis.krI18n;
  const $ = (id) => document.getElementById(id);

  async function call(type, extra) {
    const r = await chrome.runtime.sendMessage(Object.assign({ type }, extra));
    if (!r || !r.ok) throw new Error((r && r.error) || 'no answer');
    return r.result;
  }

  async function refresh(first) {
    const st = await call('state');
    if (first) $('port').value = st.port;
    // The options line of the one state table (docs/STATES.md).
    const St = globalThis.keyrelay.states;
    const cs = St.connectionState(st);
    $('status').textContent = cs ? St.line(cs, 'options', isJa() ? 'ja' : 'en', st.vars) : msg('connConnecting');
    $('code').hidden = !st.pairingCode;
    $('code').textContent = st.pairingCode ? msg('pairingTitle') + ': ' + st.pairingCode : '';
  }

  apply(document);
  $('portForm').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await call('set_port', { port: Number($('port').value) });
      $('portMsg').textContent = msg('saved');
    } catch (e) {
      $('portMsg').textContent = e.message;
    }
  });
  $('repair').addEventListener('click', async () => {
    if (!confirm(msg('repairConfirm'))) return;
    try {
      await call('repair');
      $('repairMsg').textContent = msg('repairStarted');
    } catch (e) {
      $('repairMsg').textContent = e.message;
    }
  });
  // The GoQ host permission (browser-mode delivery) is asked for only from
  // this click or the popup's, never at install.
  $('goqAllow').addEventListener('click', async () => {
    try {
      const granted = await chrome.permissions.request({ origins: ['https://*.goqsystem.com/*'] });
      if (!granted) {
        $('goqMsg').textContent = msg('goqDenied');
        return;
      }
      await call('goq_permission_granted');
      $('goqMsg').textContent = msg('goqAllowed');
    } catch (e) {
      $('goqMsg').textContent = e.message;
    }
  });
  async function showGoQ() {
    const st = await call('state');
    const g = st.goq || {};
    $('goqAllow').hidden = !!g.permission;
    if (g.permission) $('goqMsg').textContent = msg('goqAllowed');
  }
  showGoQ().catch(() => {});
  refresh(true).catch((e) => { $('status').textContent = e.message; });
  setInterval(() => refresh(false).catch(() => {}), 1500);
})();
