'use strict';
// What the service worker sends: descriptive fields cut to the domain's
// limits (lib/limits.js), the identity never cut, one frame at most.
const test = require('node:test');
const assert = require('node:assert/strict');
const L = require('../lib/limits.js');
const W = require('../lib/wire.js');

const KEY = 'SL123456_ABCDEFGHIJKLMNOP';
const bytes = (s) => new TextEncoder().encode(s).length;

function det(apis, extra) {
  return Object.assign({
    key: KEY, pageUrl: 'https://webservice.rms.rakuten.co.jp/merchant-portal/apps/1',
    fields: { appName: 'GoQ System (ごくシステム)', developer: '株式会社GoQ System', appUrl: 'http://goqsystem.com/', expiry: '2026/02/25', state: '利用中', shop: { id: '123456', url: '', name: 'サンプル店' }, apis },
  }, extra);
}

test('a 10 KB API description is cut with the marker, the key kept', () => {
  const long = '画像IDを指定して画像を削除フォルダに移動することができます。'.repeat(120);
  assert.ok(bytes(long) > 10 << 10);
  const c = W.buildCapture(det([{ name: 'cabinet.file.delete', description: long }]), 'id', 't');
  assert.equal(c.key, KEY);
  const d = c.apis[0].description;
  assert.ok(bytes(d) <= L.max_api_desc_len, `${bytes(d)} bytes`);
  assert.ok(d.endsWith(L.trunc_marker));
  assert.ok(long.startsWith(d.slice(0, -L.trunc_marker.length)));
  assert.equal(W.identityProblem(c), null);
});

test('a capture always fits in one frame', () => {
  const apis = Array.from({ length: L.max_apis + 50 }, (_, i) => ({ name: `api.name.n${i}`, description: '説明'.repeat(2000) }));
  const c = W.buildCapture(det(apis), 'id', 't');
  const frame = JSON.stringify({ v: 1, type: 'capture', id: 'x'.repeat(64), capture: c });
  assert.ok(bytes(frame) <= L.max_message_bytes, `${bytes(frame)} bytes`);
  assert.ok(c.apis.length > 0 && c.apis.length <= L.max_apis);
  assert.equal(c.apis[0].name, 'api.name.n0');
});

test('an identity too long is refused here, not cut', () => {
  const c = W.buildCapture(det([], { fields: { appName: 'あ'.repeat(L.max_app_name_len) } }), 'id', 't');
  assert.equal(bytes(c.app_name), 3 * L.max_app_name_len);
  const p = W.identityProblem(c);
  assert.match(p.reason, /アプリ名が長すぎます/);
  assert.ok(p.reasonEn);
});

test('app list rows: unreadable expiry sent as "-", only 4 characters of a key, at most max_app_rows', () => {
  const rows = [
    { app_name: 'A', key_last4: 'IANT', expiry: '来月', state: '利用中' },
    { app_name: 'B', key_last4: KEY, expiry: '2025/05/26', state: '利用中' },
    ...Array.from({ length: L.max_app_rows }, () => ({ app_name: 'x', expiry: '-' })),
  ];
  const l = W.cleanListing({ shop: { id: '1' }, rows }, 'https://webservice.rms.rakuten.co.jp/merchant-portal/apps', 't');
  assert.equal(l.rows.length, L.max_app_rows);
  assert.equal(l.rows[0].expiry, '-');
  assert.equal(l.rows[1].expiry, '2025/05/26');
  assert.equal(l.rows[1].key_last4, 'SL12');
});
