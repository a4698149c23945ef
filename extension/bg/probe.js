// Why the WebSocket failed. A browser tells an extension nothing about a
// refused WebSocket, so the service worker asks the helper's hello probe
// (GET /api/v1/hello, docs/PROTOCOL.md) and names one of the causes of
// docs/STATES.md: nothing listening, another program, another protocol
// version, or this extension's origin refused.
(function (root) {
  'use strict';

  const PROTOCOL = 1;
  const TIMEOUT_MS = 3000;

  function timed(url, init) {
    const ctl = new AbortController();
    const t = setTimeout(() => ctl.abort(), TIMEOUT_MS);
    return fetch(url, Object.assign({ credentials: 'omit', cache: 'no-store', signal: ctl.signal }, init)).finally(() => clearTimeout(t));
  }

  // probe resolves to {cause, vars}; cause 'ok' means the helper would
  // take us, so the failure was something passing (a restart, a limit).
  async function probe(port) {
    const url = `http://127.0.0.1:${port}/api/v1/hello`;
    const origin = chrome.runtime.getURL('').replace(/\/$/, '');
    const vars = { port, origin, want: PROTOCOL };
    try {
      // keyrelay's CORS names our exact origin (any extension origin may
      // read whether it is accepted); another program's does not.
      const r = await timed(url, { mode: 'cors' });
      let h = null;
      try { h = await r.json(); } catch (e) { /* not JSON: not keyrelay */ }
      if (!h || h.app !== 'keyrelay') return { cause: 'port_other', vars };
      Object.assign(vars, { version: String(h.version || ''), protocol: h.protocol });
      if (h.protocol !== PROTOCOL) return { cause: 'version_mismatch', vars };
      if (h.origin_allowed !== true) return { cause: 'origin_refused', vars };
      return { cause: 'ok', vars };
    } catch (e) { /* nothing there, or a server that does not name us */ }
    try {
      // A no-cors request succeeds (opaquely) whenever something answers
      // without forbidding it; keyrelay would have answered above.
      await timed(url, { mode: 'no-cors' });
      return { cause: 'port_other', vars };
    } catch (e) {
      return { cause: 'helper_unreachable', vars };
    }
  }

  (root.keyrelay = root.keyrelay || {}).probe = { probe };
})(globalThis);
