'use strict';
// The connection state machine (bg/connection.js) against a scripted server:
// what a helper that does not know our pairing — or a squatter pretending to
// be one — can make the extension do. Storage is an in-memory stand-in for
// chrome.storage.local; the proofs are the real WebCrypto ones.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const P = require('../lib/proof.js');

const CONN = path.join(__dirname, '..', 'bg', 'connection.js');

// fakeStore mirrors bg/store.js's pairing calls over a plain object.
function fakeStore(initial) {
  const local = Object.assign({}, initial);
  return {
    local,
    getPort: async () => 27415,
    getCreds: async () => (local.pairing && local.pairing.client_id && local.pairing.secret ? local.pairing : null),
    setCreds: async (client_id, secret) => { local.pairing = { client_id, secret }; },
    getPending: async () => local.pendingPairing || null,
    setPending: async (p) => { if (p) local.pendingPairing = p; else delete local.pendingPairing; },
    forgetPairing: async () => { delete local.pairing; delete local.pendingPairing; },
  };
}

// FakeSocket is the browser's WebSocket as connection.js uses it; the test
// plays the server through it.
class FakeSocket {
  constructor(url) {
    this.url = url;
    this.sent = [];
    this.closed = false;
    FakeSocket.all.push(this);
  }
  send(s) { if (this.closed) throw new Error('closed'); this.sent.push(JSON.parse(s)); }
  close() {
    if (this.closed) return;
    this.closed = true;
    setImmediate(() => this.onclose && this.onclose());
  }
  serve(msg) { this.onmessage({ data: JSON.stringify(Object.assign({ v: 1 }, msg)) }); }
  types() { return this.sent.map((m) => m.type); }
}

const tick = (ms) => new Promise((r) => setTimeout(r, ms || 20));

// load gives a fresh conn bound to its own store; stop() ends its timers.
function load(initial) {
  const sockets = (FakeSocket.all = []);
  globalThis.WebSocket = FakeSocket;
  const store = fakeStore(initial);
  globalThis.keyrelay = { proof: P, store };
  delete require.cache[require.resolve(CONN)];
  require(CONN);
  const conn = globalThis.keyrelay.conn;
  const seen = { authenticated: 0 };
  conn.hooks = { change() {}, authenticated() { seen.authenticated++; }, push() {}, inFlight: () => false };
  const stop = () => {
    clearTimeout(conn.retryTimer);
    conn.retryTimer = null;
    conn.scheduleReconnect = () => {};
    conn.connect = async () => {};
    for (const ws of sockets) { conn.cleanup(ws); ws.closed = true; }
  };
  return { conn, store, seen, stop };
}

const hello = { type: 'hello', app: 'keyrelay', version: '0.1.0', server_nonce: P.randomNonce(), mode: 'full' };
const creds = { client_id: 'c_original', secret: P.b64urlEncode(new Uint8Array(32).fill(5)) };
const squatterSecret = P.b64urlEncode(new Uint8Array(32).fill(9));

async function open(conn) {
  await conn.connect();
  const ws = FakeSocket.all[FakeSocket.all.length - 1];
  ws.serve(hello);
  await tick();
  return ws;
}

test('a paired extension told its pairing is unknown keeps it and does not re-pair', async (t) => {
  for (const code of ['unknown_client', 'pairing_only', 'pairing_rejected']) {
    await t.test(code, async (t) => {
      const { conn, store, stop } = load({ pairing: Object.assign({}, creds) });
      t.after(stop);
      const ws = await open(conn);
      assert.deepEqual(ws.types(), ['auth_begin']);
      const begin = ws.sent[0];
      ws.serve({ type: 'error', ref: begin.id, code, message: 'x', message_en: 'x' });
      // The squatter's follow-up, unasked for.
      ws.serve({ type: 'pair_pending', client_id: 'c_squatter', code: '123456', claim_token: 't' });
      ws.serve({ type: 'pair_approved', client_id: 'c_squatter', secret: squatterSecret });
      await tick(50);

      assert.deepEqual(store.local.pairing, creds, 'stored pairing');
      assert.equal(store.local.pendingPairing, undefined);
      assert.equal(ws.closed, true, 'socket closed');
      assert.equal(conn.state, 'disconnected');
      assert.equal(conn.pairingUnknown, true);
      assert.match(conn.lastError, /再ペアリング/);
      assert.match(conn.lastErrorEn, /re-pair/);
      // No immediate reconnect that would send pair_request: the next try
      // waits for the backoff, and would again send auth_begin.
      const sentAll = FakeSocket.all.flatMap((s) => s.types());
      assert.ok(!sentAll.includes('pair_request') && !sentAll.includes('pair_claim'), `sent ${sentAll}`);
      assert.equal(FakeSocket.all.length, 1, 'sockets opened');
      assert.ok(conn.retryTimer, 'a backoff retry is scheduled');
    });
  }
});

test('the next connection after an unknown_client still authenticates with the original pairing', async (t) => {
  const { conn, store, seen, stop } = load({ pairing: Object.assign({}, creds) });
  t.after(stop);
  let ws = await open(conn);
  ws.serve({ type: 'error', ref: ws.sent[0].id, code: 'unknown_client' });
  await tick(50);
  clearTimeout(conn.retryTimer);
  conn.retryTimer = null;

  ws = await open(conn); // the real helper is back
  const begin = ws.sent[0];
  assert.equal(begin.type, 'auth_begin');
  assert.equal(begin.client_id, creds.client_id);
  ws.serve({ type: 'auth_challenge', ref: begin.id, server_proof: await P.serverProof(creds.secret, creds.client_id, begin.client_nonce, hello.server_nonce) });
  await tick(50);
  const auth = ws.sent[1];
  assert.equal(auth.type, 'auth');
  ws.serve({ type: 'auth_ok', ref: auth.id, client_id: creds.client_id });
  await tick();
  assert.equal(conn.state, 'authenticated');
  assert.equal(seen.authenticated, 1);
  assert.equal(conn.pairingUnknown, false);
  assert.equal(conn.lastError, '');
  assert.deepEqual(store.local.pairing, creds);
});

test('a helper that cannot prove the secret gets nothing, and no request goes out', async (t) => {
  const { conn, seen, stop } = load({ pairing: Object.assign({}, creds) });
  t.after(stop);
  const ws = await open(conn);
  const begin = ws.sent[0];
  ws.serve({ type: 'auth_challenge', ref: begin.id, server_proof: await P.serverProof(squatterSecret, creds.client_id, begin.client_nonce, hello.server_nonce) });
  ws.serve({ type: 'auth_ok', ref: '99', client_id: creds.client_id });
  await tick(50);
  assert.deepEqual(ws.types(), ['auth_begin']);
  assert.equal(ws.closed, true);
  assert.notEqual(conn.state, 'authenticated');
  assert.equal(seen.authenticated, 0);
  await assert.rejects(conn.request({ type: 'capture', capture: {} }), { code: 'not_connected' });
});

test('pair_approved is taken only as the answer to our own pairing attempt', async (t) => {
  const cases = [
    {
      name: 'without pair_pending',
      script: [{ type: 'pair_approved', client_id: 'c_new', secret: squatterSecret }],
      want: null,
    },
    {
      name: 'for another client id than pair_pending gave',
      script: [
        { type: 'pair_pending', client_id: 'c_new', code: '482913', claim_token: 'tok' },
        { type: 'pair_approved', client_id: 'c_other', secret: squatterSecret },
      ],
      want: null,
    },
    {
      name: 'with no secret',
      script: [
        { type: 'pair_pending', client_id: 'c_new', code: '482913', claim_token: 'tok' },
        { type: 'pair_approved', client_id: 'c_new', secret: '' },
      ],
      want: null,
      dropped: true,
    },
    {
      name: 'right after its pair_pending (first install)',
      script: [
        { type: 'pair_pending', client_id: 'c_new', code: '482913', claim_token: 'tok' },
        { type: 'pair_approved', client_id: 'c_new', secret: squatterSecret },
      ],
      want: { client_id: 'c_new', secret: squatterSecret },
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const { conn, store, stop } = load({});
      t.after(stop);
      const ws = await open(conn);
      assert.deepEqual(ws.types(), ['pair_request']);
      for (const m of c.script) ws.serve(Object.assign({ ref: ws.sent[0].id }, m));
      await tick(50);
      assert.deepEqual(store.local.pairing || null, c.want);
      if (!c.want) assert.equal(conn.state, c.dropped ? 'disconnected' : 'pairing');
    });
  }
});

test('first install: the code is shown, and a claim after reconnect is approved', async (t) => {
  const { conn, store, stop } = load({});
  t.after(stop);
  let ws = await open(conn);
  ws.serve({ type: 'pair_pending', ref: ws.sent[0].id, client_id: 'c_new', code: '482913', claim_token: 'tok', expires_at: new Date(Date.now() + 600000).toISOString() });
  await tick();
  assert.equal(conn.pairingCode, '482913');
  assert.equal(conn.state, 'pairing');
  assert.equal(store.local.pendingPairing.claim_token, 'tok');
  conn.reconnectNow(); // the worker lost its socket before approval
  await tick();
  ws = FakeSocket.all[FakeSocket.all.length - 1];
  ws.serve(hello);
  await tick();
  const claim = ws.sent[0];
  assert.deepEqual([claim.type, claim.client_id, claim.claim_token], ['pair_claim', 'c_new', 'tok']);

  // A claim answered for someone else is ignored; ours is taken.
  ws.serve({ type: 'pair_approved', client_id: 'c_other', secret: squatterSecret });
  await tick();
  assert.equal(store.local.pairing, undefined);
  ws.serve({ type: 'pair_approved', client_id: 'c_new', secret: squatterSecret });
  await tick(50);
  assert.deepEqual(store.local.pairing, { client_id: 'c_new', secret: squatterSecret });
  assert.equal(store.local.pendingPairing, undefined);
  assert.equal(conn.pairingCode, '');
});
