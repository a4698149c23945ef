// Storage layout. The license key only ever sits in chrome.storage.session
// (memory, cleared when the browser quits, unreadable by content scripts),
// in the outbox, until the helper acks it. storage.local holds the port and
// the pairing (client id + secret), never a key.
(function (root) {
  'use strict';

  const DEFAULT_PORT = 27415;
  const local = () => chrome.storage.local;
  const session = () => chrome.storage.session;

  // Read-modify-write of one storage key must not interleave (a capture
  // queued while an ack removes another would lose one of them).
  let chain = Promise.resolve();
  function serial(fn) {
    const run = chain.then(fn, fn);
    chain = run.catch(() => {});
    return run;
  }

  async function getPort() {
    const { port } = await local().get('port');
    const n = Number(port);
    return Number.isInteger(n) && n > 0 && n < 65536 ? n : DEFAULT_PORT;
  }

  async function setPort(port) {
    const n = Number(port);
    if (!Number.isInteger(n) || n <= 0 || n >= 65536) throw new Error('ポート番号は1〜65535の整数で指定してください。 (port must be an integer 1-65535)');
    await local().set({ port: n });
    return n;
  }

  async function getCreds() {
    const { pairing } = await local().get('pairing');
    return pairing && pairing.client_id && pairing.secret ? pairing : null;
  }
  const setCreds = (clientId, secret) => local().set({ pairing: { client_id: clientId, secret } });

  async function getPending() {
    const { pendingPairing } = await local().get('pendingPairing');
    return pendingPairing || null;
  }
  const setPending = (p) => (p ? local().set({ pendingPairing: p }) : local().remove('pendingPairing'));
  const forgetPairing = () => local().remove(['pairing', 'pendingPairing']);

  // Outbox: {capture_id: {capture, queuedAt}}. One storage key, read and
  // written whole; a few entries at most.
  async function outboxAll() {
    const { outbox } = await session().get('outbox');
    return outbox || {};
  }
  const outboxPut = (capture) => serial(async () => {
    const all = await outboxAll();
    all[capture.capture_id] = { capture, queuedAt: new Date().toISOString() };
    await session().set({ outbox: all });
  });
  const outboxRemove = (id) => serial(async () => {
    const all = await outboxAll();
    if (!(id in all)) return;
    delete all[id];
    await session().set({ outbox: all });
  });

  // Captures the popup shows: {capture_id: {status, key_last4, app_name,
  // detail, detail_en, at, stored_id}}. No key.
  async function capturesAll() {
    const { captures } = await session().get('captures');
    return captures || {};
  }
  const captureUpdate = (id, patch) => serial(async () => {
    const all = await capturesAll();
    all[id] = Object.assign(all[id] || {}, patch, { updated: new Date().toISOString() });
    // Keep the newest 50.
    const ids = Object.keys(all).sort((a, b) => String(all[b].updated).localeCompare(String(all[a].updated)));
    for (const old of ids.slice(50)) delete all[old];
    await session().set({ captures: all });
    return all[id];
  });

  async function getAppList() {
    const { appList } = await session().get('appList');
    return appList || null;
  }
  const setAppList = (l) => session().set({ appList: l });

  const api = {
    DEFAULT_PORT, getPort, setPort, getCreds, setCreds, getPending, setPending, forgetPairing,
    outboxAll, outboxPut, outboxRemove, capturesAll, captureUpdate, getAppList, setAppList,
  };
  (root.keyrelay = root.keyrelay || {}).store = api;
})(globalThis);
