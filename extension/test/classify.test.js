'use strict';
// classify on hand-built snapshots (the shape snapshot.js produces), for the
// cases the DOM fixtures do not reach, and the アプリ一覧 cross-check.
const test = require('node:test');
const assert = require('node:assert/strict');
const { classify, checkAgainstListing } = require('../lib/classify.js');

const KEY = 'SL123456_ABCDEFGHIJKLMNOP';
const cell = (text, th = false) => ({ text, th });

// Each line stands for one run of unbroken text (snapshot.js's runs).
function licensePage(keyValue, extra = {}) {
  const s = Object.assign({
    lines: ['ライセンス情報', 'システム開発企業: 株式会社GoQ System', 'アプリ名: GoQ System (ごくシステム)', `ライセンスキー: ${keyValue}`, '承認状態: 利用中'],
    pairs: [],
    tables: [],
    controls: [],
  }, extra);
  if (!s.runs) s.runs = s.lines.slice();
  return s;
}

test('masked keys are never capturable', async (t) => {
  for (const v of ['XXXXXXXX', '末尾4桁: IANT', '[Redacted]', '●●●●●●●●●●●●']) {
    await t.test(v, () => {
      const d = classify(licensePage(v));
      assert.equal(d.kind, 'license_masked');
      assert.equal(d.capturable, false);
      assert.equal(d.key, undefined);
      assert.match(d.reason, /ロボットによる操作ではありません/);
    });
  }
  await t.test('two different masks are still masked', () => {
    const s = licensePage('XXXXXXXX');
    s.pairs.push({ field: 'key', label: 'ライセンスキー', value: '[Redacted]', via: 'sibling' });
    assert.equal(classify(s).kind, 'license_masked');
  });
  await t.test('recaptcha frame without a key label', () => {
    const d = classify({ lines: ['ライセンス情報'], pairs: [], tables: [], controls: [], recaptcha: true });
    assert.equal(d.kind, 'license_masked');
  });
});

test('revealed key from lines', () => {
  const d = classify(licensePage(KEY));
  assert.equal(d.kind, 'license_revealed');
  assert.equal(d.capturable, true);
  assert.equal(d.key, KEY);
  assert.equal(d.keyLast4, 'MNOP');
  assert.equal(d.fields.developer, '株式会社GoQ System');
});

test('same key found twice (table and line) is one key', () => {
  const s = licensePage(KEY);
  s.pairs.push({ field: 'key', label: 'ライセンスキー', value: KEY, via: 'sibling' });
  assert.equal(classify(s).capturable, true);
});

test('a key without an app name is not sent', () => {
  const d = classify({ lines: ['ライセンス情報', `ライセンスキー: ${KEY}`], pairs: [], tables: [], controls: [] });
  assert.equal(d.kind, 'unknown_layout');
  assert.equal(d.key, undefined);
});

test('update pending via the state column refuses the capture', () => {
  const s = licensePage(KEY);
  s.tables.push({ rows: [[cell('キー情報', true), cell('有効期限', true), cell('状態', true)], [cell('末尾4桁: MNOP'), cell('-'), cell('利用中 更新あり')]] });
  const d = classify(s);
  assert.equal(d.kind, 'license_update_pending');
  assert.equal(d.capturable, false);
  assert.equal(d.key, undefined);
});

test('更新せずに取得: the operator declines the update; the key is taken and stays flagged', () => {
  const s = licensePage(KEY);
  s.tables.push({ rows: [[cell('キー情報', true), cell('有効期限', true), cell('状態', true)], [cell('末尾4桁: MNOP'), cell('-'), cell('利用中 更新あり')]] });
  const d = classify(s, { declineUpdate: true });
  assert.equal(d.kind, 'license_revealed');
  assert.equal(d.capturable, true);
  assert.equal(d.updatePending, true);
  assert.equal(d.key, KEY);
});

test('page 末尾4桁 that matches the key is fine', () => {
  const s = licensePage(KEY);
  s.tables.push({ rows: [[cell('キー情報', true), cell('有効期限', true), cell('状態', true)], [cell('末尾4桁: MNOP'), cell('-'), cell('利用中')]] });
  assert.equal(classify(s).capturable, true);
});

test('checkAgainstListing', async (t) => {
  const det = classify(licensePage(KEY));
  const listing = (rows, shop = {}) => ({ shop, rows });
  const row = (o) => Object.assign({ developer: '株式会社GoQSystem', app_name: 'GoQ System (ごくシステム)', key_last4: 'MNOP', expiry: '-', state: '利用中', update_pending: false }, o);

  await t.test('no listing', () => assert.equal(checkAgainstListing(det, null), null));
  await t.test('matching last 4 (names differ only in spaces)', () => assert.equal(checkAgainstListing(det, listing([row({})])), null));
  await t.test('different last 4 refuses', () => {
    const r = checkAgainstListing(det, listing([row({ key_last4: 'IANT' })]));
    assert.ok(r);
    assert.match(r.reason, /IANT/);
    assert.match(r.reason, /MNOP/);
  });
  await t.test('a 更新あり row is not compared (stale after the update; the key may have changed)', () => {
    assert.equal(checkAgainstListing(det, listing([row({ key_last4: 'IANT', update_pending: true, state: '利用中 更新あり' })])), null);
  });
  await t.test('更新あり of another app is ignored', () => {
    assert.equal(checkAgainstListing(det, listing([row({}), row({ app_name: '別アプリ', update_pending: true })])), null);
  });
  await t.test('other apps are ignored', () => {
    assert.equal(checkAgainstListing(det, listing([row({ app_name: '別アプリ', key_last4: 'IANT' })])), null);
  });
  await t.test('another shop is ignored', () => {
    const d = classify(licensePage(KEY, { lines: [...licensePage(KEY).lines, '店舗ID: 111111'] }));
    assert.equal(checkAgainstListing(d, listing([row({ key_last4: 'IANT' })], { id: '222222' })), null);
  });
});

test('app list with td headers (no th)', () => {
  const rows = [
    [cell('アプリ登録者'), cell('アプリ名'), cell('ライセンスキー'), cell('有効期限'), cell('状態')],
    [cell('株式会社GoQSystem'), cell('GoQ System'), cell('末尾4桁: IANT'), cell('2026/01/02'), cell('利用中')],
  ];
  const d = classify({ lines: [], pairs: [], tables: [{ rows }], controls: [] });
  assert.equal(d.kind, 'app_list');
  assert.deepEqual(d.listing.rows, [{ developer: '株式会社GoQSystem', app_name: 'GoQ System', key_last4: 'IANT', expiry: '2026/01/02', state: '利用中', update_pending: false }]);
});

test('unrelated page is other', () => {
  const d = classify({ lines: ['各種申請・設定変更', '申請について： 審査があります。'], pairs: [], tables: [], controls: ['申請'] });
  assert.equal(d.kind, 'other');
});

test('a key line followed by a bare run of key characters is refused', async (t) => {
  const split = (next) => licensePage(KEY, {
    lines: ['ライセンス情報', 'アプリ名: GoQ System (ごくシステム)', 'ライセンスキー: a8F3kQ9zP2mX7vL4nR6t', next],
  });
  await t.test('continuation line', () => {
    const d = classify(split('Y1wB5cH0dJ8eG3sU2qK7'));
    assert.equal(d.kind, 'unknown_layout');
    assert.equal(d.capturable, false);
    assert.equal(d.key, undefined);
    assert.equal(d.keyLast4, '');
  });
  await t.test('next line is a label: fine', () => assert.equal(classify(split('承認状態: 利用中')).capturable, true));
  await t.test('next line is text: fine', () => assert.equal(classify(split('このキーは第三者に教えないでください。')).capturable, true));
});

test('API list rows under the heading', async (t) => {
  const apis = (rows) => classify(licensePage(KEY, { apiBlocks: [{ rows }] })).fields.apis;
  await t.test('header row of td', () => assert.deepEqual(apis([[cell('API名'), cell('内容')], [cell('a.b'), cell('説明')]]),
    [{ name: 'a.b', description: '説明' }]));
  await t.test('no header: name cell then description', () => assert.deepEqual(apis([[cell('shop.shopStatus.get'), cell('- 状況')]]),
    [{ name: 'shop.shopStatus.get', description: '状況' }]));
  await t.test('one cell split after the name', () => assert.deepEqual(apis([
    [cell('cabinet.file.delete：画像を削除')], [cell('order.getOrder (v2) 受注')], [cell('※ 注意書き')], [cell('shop.get')],
  ]), [
    { name: 'cabinet.file.delete', description: '画像を削除' },
    { name: 'order.getOrder', description: '(v2) 受注' },
    { name: 'shop.get', description: '' },
  ]));
  await t.test('not a dotted name', () => assert.deepEqual(apis([[cell('cabinet'), cell('x')], [cell('http://a.b/')]]), []));
});

test('robot check on the page: never capturable, even with a key-like value', () => {
  const s = licensePage(KEY, { lines: [...licensePage(KEY).lines, 'ロボットによる操作ではありません'], controls: ['確認する'] });
  const d = classify(s);
  assert.equal(d.kind, 'license_masked');
  assert.equal(d.capturable, false);
  assert.equal(d.key, undefined);
});

test('a key not shown as one unbroken run is refused', async (t) => {
  await t.test('assembled', () => {
    const d = classify(licensePage(KEY, { runs: ['ライセンスキー:', 'SL123456_ABCDEFGH', 'IJKLMNOP'] }));
    assert.equal(d.kind, 'unknown_layout');
    assert.equal(d.key, undefined);
    assert.match(d.reason, /境目が判別できません/);
  });
  await t.test('no runs at all', () => assert.equal(classify(licensePage(KEY, { runs: [] })).kind, 'unknown_layout'));
});

test('update control named only by alt, aria-label or 「アップデート」', () => {
  for (const c of ['アップデート', 'アップデートする', '画像 アップデートする']) {
    const d = classify(licensePage(KEY, { controls: [c] }));
    assert.equal(d.kind, 'license_update_pending', c);
    assert.equal(d.capturable, false);
  }
});

test('キー情報 mentioning 末尾 without a readable last 4 is refused', async (t) => {
  const withInfo = (info) => {
    const s = licensePage(KEY);
    s.tables.push({ rows: [[cell('キー情報', true), cell('有効期限', true)], [cell(info), cell('-')]] });
    return classify(s);
  };
  await t.test('unreadable', () => {
    const d = withInfo('末尾4桁: ?');
    assert.equal(d.capturable, false);
    assert.match(d.reason, /末尾4桁が読み取れません/);
  });
  await t.test('full-width brackets match', () => assert.equal(withInfo('末尾4桁（MNOP）').capturable, true));
  await t.test('full-width brackets mismatch', () => assert.match(withInfo('末尾4桁（ZZZZ）').reason, /ZZZZ/));
  await t.test('note after', () => assert.match(withInfo('末尾4桁: ABCD（失効）').reason, /ABCD/));
});

test('two different app names or developers are refused', async (t) => {
  await t.test('app name', () => {
    const d = classify(licensePage(KEY, { pairs: [{ field: 'appName', label: 'アプリ名', value: '別アプリ', via: 'sibling' }] }));
    assert.equal(d.kind, 'unknown_layout');
    assert.match(d.reason, /アプリ名/);
  });
  await t.test('developer', () => {
    const d = classify(licensePage(KEY, { pairs: [{ field: 'developer', label: 'システム開発企業', value: '別会社', via: 'sibling' }] }));
    assert.equal(d.kind, 'unknown_layout');
  });
  await t.test('same name spaced differently is one', () => {
    const d = classify(licensePage(KEY, { pairs: [{ field: 'developer', label: 'システム開発企業', value: '株式会社GoQSystem', via: 'sibling' }] }));
    assert.equal(d.capturable, true);
  });
});
