'use strict';
// bg/states.js is the state table of docs/STATES.md: row for row the shared
// vector file that the Go tests read too.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const S = require('../bg/states.js');

const vectors = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'internal', 'keyrelay', 'testdata', 'states.json'), 'utf8')).states;

test('the table is the shared vector file, in its order', () => {
  assert.deepEqual(S.STATES.map((s) => s.id), vectors.map((v) => v.id));
  for (const v of vectors) {
    const s = S.byId[v.id];
    assert.equal(s.badge, v.badge, v.id + ' badge');
    assert.deepEqual(s.popup, v.popup, v.id + ' popup');
    assert.deepEqual(s.options, v.options, v.id + ' options');
  }
});

test('the first row that applies sets the badge', () => {
  const cases = [
    [{ connection: 'disconnected', diagnosis: { cause: 'helper_unreachable' } }, 'helper_unreachable', '×'],
    [{ connection: 'disconnected', diagnosis: { cause: 'helper_unreachable' }, captures: [{ status: 'queued', at: '1' }] }, 'queued', '↑'],
    [{ connection: 'pairing', pairingCode: '123456', diagnosis: { cause: 'helper_unreachable' } }, 'pairing_pending', '?'],
    [{ connection: 'disconnected', pairingUnknown: true }, 'pairing_revoked', '?'],
    [{ connection: 'authenticated' }, 'connected', ''],
    [{ connection: 'authenticated', captures: [{ status: 'stored', at: '1' }] }, 'stored', '…'],
    [{ connection: 'authenticated', captures: [{ status: 'stored', delivery: 'pending', at: '1' }] }, 'in_progress', '…'],
    [{ connection: 'authenticated', captures: [{ status: 'stored', delivery: 'delivered', at: '1' }] }, 'delivered', '✓'],
    [{ connection: 'authenticated', captures: [{ status: 'stored', delivery: 'delivered', at: '1' }], alerts: [{ kind: 'expiring' }] }, 'alert', '!'],
    [{ connection: 'authenticated', captures: [{ status: 'stored', delivery: 'waiting_login', at: '1' }] }, 'waiting_login', '!'],
    [{ connection: 'authenticated', captures: [{ status: 'stored', delivery: 'superseded', at: '1' }] }, 'superseded', ''],
    // A clean delivery of the same shop and app ends an older 要対応.
    [{ connection: 'authenticated', captures: [
      { status: 'stored', delivery: 'needs_attention', at: '1', shop_id: '1', app_name: 'A' },
      { status: 'stored', delivery: 'delivered', at: '2', shop_id: '1', app_name: 'A' }] }, 'delivered', '✓'],
    [{ connection: 'authenticated', captures: [
      { status: 'stored', delivery: 'needs_attention', at: '1', shop_id: '1', app_name: 'A' },
      { status: 'stored', delivery: 'delivered', at: '2', shop_id: '2', app_name: 'A' }] }, 'needs_attention', '!'],
  ];
  for (const [view, id, badge] of cases) {
    const p = S.present(view);
    assert.equal(p.badgeState, id, JSON.stringify(view));
    assert.equal(p.badge, badge, JSON.stringify(view));
  }
});

test('an error ends with its cause', () => {
  // A diagnosis left from a failed attempt does not outlive a pairing code
  // or a connection.
  const stale = { cause: 'helper_unreachable' };
  assert.equal(S.connectionState({ connection: 'pairing', pairingCode: '123456', diagnosis: stale }), 'pairing_pending');
  assert.equal(S.connectionState({ connection: 'authenticated', diagnosis: stale }), 'connected');
});

test('placeholders are filled', () => {
  assert.equal(S.line('pairing_pending', 'popup', 'ja', { code: '482913' }),
    'ペアリングコード 482913 を承認してください: トレイの「ペアリングを承認…」、またはコマンド keyrelay pair approve 482913');
  assert.match(S.line('helper_unreachable', 'popup', 'en', { start: S.startCommand('Linux x86_64') }), /keyrelay run$/);
});
