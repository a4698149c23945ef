// The mutual-auth proofs of docs/PROTOCOL.md §3, with WebCrypto so the same
// code runs in the service worker and under node's globalThis.crypto.
(function (root) {
  'use strict';

  const enc = new TextEncoder();

  function b64urlEncode(bytes) {
    const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    let bin = '';
    for (let i = 0; i < u8.length; i++) bin += String.fromCharCode(u8[i]);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  // b64urlDecode accepts base64url with or without padding; it throws on
  // anything else so a garbled secret is an error, not a different key.
  function b64urlDecode(s) {
    if (typeof s !== 'string' || !/^[A-Za-z0-9_-]*={0,2}$/.test(s)) throw new Error('bad base64url');
    const b = s.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b + '='.repeat((4 - (b.length % 4)) % 4));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function randomNonce() {
    const b = new Uint8Array(32);
    crypto.getRandomValues(b);
    return b64urlEncode(b);
  }

  // hmac returns base64url(HMAC-SHA256(secret, text)). The secret is the
  // pairing secret as sent in pair_approved (base64url of 32 random bytes);
  // the HMAC key is the decoded bytes.
  async function hmac(secretB64, text) {
    const key = await crypto.subtle.importKey('raw', b64urlDecode(secretB64), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const sig = await crypto.subtle.sign('HMAC', key, enc.encode(text));
    return b64urlEncode(new Uint8Array(sig));
  }

  function serverProof(secretB64, clientId, clientNonce, serverNonce) {
    return hmac(secretB64, 'keyrelay/1 server\n' + clientId + '\n' + clientNonce + '\n' + serverNonce);
  }

  function clientProof(secretB64, clientId, serverNonce, clientNonce) {
    return hmac(secretB64, 'keyrelay/1 client\n' + clientId + '\n' + serverNonce + '\n' + clientNonce);
  }

  // verifyServerProof compares in constant time over the expected length.
  async function verifyServerProof(secretB64, clientId, clientNonce, serverNonce, got) {
    const want = await serverProof(secretB64, clientId, clientNonce, serverNonce);
    if (typeof got !== 'string' || got.length !== want.length) return false;
    let diff = 0;
    for (let i = 0; i < want.length; i++) diff |= want.charCodeAt(i) ^ got.charCodeAt(i);
    return diff === 0;
  }

  const api = { b64urlEncode, b64urlDecode, randomNonce, hmac, serverProof, clientProof, verifyServerProof };
  if (typeof module === 'object' && module.exports) module.exports = api;
  else (root.keyrelay = root.keyrelay || {}).proof = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
