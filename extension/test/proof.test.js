'use strict';
// The WebCrypto proofs must equal HMAC-SHA256 as docs/PROTOCOL.md defines
// it, computed independently here with node:crypto.
const test = require('node:test');
const assert = require('node:assert/strict');
const nodeCrypto = require('node:crypto');
const P = require('../lib/proof.js');

const secretBytes = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const secret = secretBytes.toString('base64url');
const clientId = 'c_3f9a0000';
const clientNonce = Buffer.alloc(32, 7).toString('base64url');
const serverNonce = Buffer.alloc(32, 9).toString('base64url');

const ref = (text) => nodeCrypto.createHmac('sha256', secretBytes).update(text).digest('base64url');

test('serverProof matches node:crypto', async () => {
  const want = ref(`keyrelay/1 server\n${clientId}\n${clientNonce}\n${serverNonce}`);
  assert.equal(await P.serverProof(secret, clientId, clientNonce, serverNonce), want);
});

test('clientProof matches node:crypto', async () => {
  const want = ref(`keyrelay/1 client\n${clientId}\n${serverNonce}\n${clientNonce}`);
  assert.equal(await P.clientProof(secret, clientId, serverNonce, clientNonce), want);
});

test('fixed vector', async () => {
  // Pinned values (secret 00..1f, client id c_3f9a0000, nonces of 32 bytes
  // 0x07 / 0x09), so a change to the message layout is caught even if both
  // computations above changed together. internal/ws can pin the same ones.
  assert.equal(await P.serverProof(secret, clientId, clientNonce, serverNonce), 'IbZnO6uwwmXGsg7VEdz-oWofdK8YRDEqwc4doEx1jmc');
  assert.equal(await P.clientProof(secret, clientId, serverNonce, clientNonce), 'JdbFnFTCwPclm798rK6ODZiKo74XoIsA6WVczb2Whvg');
});

test('verifyServerProof', async (t) => {
  const good = await P.serverProof(secret, clientId, clientNonce, serverNonce);
  await t.test('accepts the right proof', async () => assert.equal(await P.verifyServerProof(secret, clientId, clientNonce, serverNonce, good), true));
  await t.test('refuses a proof for swapped nonces', async () => {
    const swapped = await P.serverProof(secret, clientId, serverNonce, clientNonce);
    assert.equal(await P.verifyServerProof(secret, clientId, clientNonce, serverNonce, swapped), false);
  });
  await t.test('refuses the client proof', async () => {
    const cp = await P.clientProof(secret, clientId, serverNonce, clientNonce);
    assert.equal(await P.verifyServerProof(secret, clientId, clientNonce, serverNonce, cp), false);
  });
  await t.test('refuses a wrong secret', async () => {
    const other = Buffer.alloc(32, 1).toString('base64url');
    const bad = await P.serverProof(other, clientId, clientNonce, serverNonce);
    assert.equal(await P.verifyServerProof(secret, clientId, clientNonce, serverNonce, bad), false);
  });
  await t.test('refuses junk', async () => {
    assert.equal(await P.verifyServerProof(secret, clientId, clientNonce, serverNonce, ''), false);
    assert.equal(await P.verifyServerProof(secret, clientId, clientNonce, serverNonce, undefined), false);
  });
});

test('base64url round trip and nonce', () => {
  const b = nodeCrypto.randomBytes(32);
  assert.deepEqual(Buffer.from(P.b64urlDecode(P.b64urlEncode(b))), b);
  assert.equal(P.b64urlEncode(b), b.toString('base64url'));
  const n = P.randomNonce();
  assert.match(n, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(n, 'base64url').length, 32);
  assert.throws(() => P.b64urlDecode('not base64!'));
});
