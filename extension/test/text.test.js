'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const T = require('../lib/text.js');

test('normalizeLabel and fieldOf', async (t) => {
  const cases = [
    ['plain', 'ライセンスキー', 'key'],
    ['half-width help icon', 'ライセンスキー ?', 'key'],
    ['full-width help icon', 'ライセンスキー？', 'key'],
    ['full-width colon', 'ライセンスキー：', 'key'],
    ['colon and spaces', '  ライセンスキー :  ', 'key'],
    ['newlines inside', 'ライセンス\nキー', 'key'],
    ['full-width URL', 'アプリＵＲＬ', 'appUrl'],
    ['app list developer header', 'アプリ登録者 (システム開発企業)', 'developer'],
    ['developer', 'システム開発企業', 'developer'],
    ['approval', '承認状態', 'state'],
    ['expiry with asterisk', '※有効期限', 'expiry'],
    ['shop id', '店舗ID', 'shopId'],
    ['shop url', 'ショップURL ?', 'shopUrl'],
    ['a sentence is not a label', 'ライセンスキーの詳細を表示する場合には', ''],
    ['empty', '', ''],
  ];
  for (const [name, label, want] of cases) {
    await t.test(name, () => assert.equal(T.fieldOf(label), want));
  }
});

test('splitLabelLine', async (t) => {
  await t.test('half-width colon', () => assert.deepEqual(T.splitLabelLine('ライセンスキー: SL123456_ABCDEFGHIJKLMNOP'),
    { field: 'key', label: 'ライセンスキー', value: 'SL123456_ABCDEFGHIJKLMNOP' }));
  await t.test('full-width colon and spaces', () => assert.equal(T.splitLabelLine(' 有効期限 ：  2025/05/26 ').value, '2025/05/26'));
  await t.test('value keeps inner colons', () => assert.equal(T.splitLabelLine('アプリURL: http://goqsystem.com/').value, 'http://goqsystem.com/'));
  await t.test('url line is not a label', () => assert.equal(T.splitLabelLine('http://goqsystem.com/'), null));
  await t.test('unknown label', () => assert.equal(T.splitLabelLine('申請について： 楽天市場による審査'), null));
});

test('trimValue trims only around', async (t) => {
  await t.test('spaces and newlines', () => assert.equal(T.trimValue('\n  SL123456_ABCDEFGHIJKLMNOP \t\n'), 'SL123456_ABCDEFGHIJKLMNOP'));
  await t.test('full-width and zero-width', () => assert.equal(T.trimValue('\u3000\u200bAB CD\u200b\u3000'), 'AB CD'));
  await t.test('never chops a character', () => assert.equal(T.trimValue('xKEYx'), 'xKEYx'));
});

test('parseLast4', async (t) => {
  const cases = [
    ['half-width colon', '末尾4桁: IANT', 'IANT'],
    ['full-width', '末尾４桁：Ａ９ＦＲ', 'A9FR'],
    ['masked', '末尾4桁: XXXXXXXX', ''],
    ['masked 4', '末尾4桁: XXXX', ''],
    ['none', '利用中', ''],
    ['full-width brackets', '末尾4桁（ZZZZ）', 'ZZZZ'],
    ['half-width brackets', '末尾4桁 (ZZZZ)', 'ZZZZ'],
    ['note after', '末尾4桁: ABCD（失効）', 'ABCD'],
    ['symbols kept', '末尾4桁: B+/=', 'B+/='],
    ['five letters is not a last 4', '末尾4桁: ABCDE', ''],
    ['masked in brackets', '末尾4桁（XXXXXXXX）', ''],
  ];
  for (const [name, s, want] of cases) await t.test(name, () => assert.equal(T.parseLast4(s), want));
});

test('last4Masked', () => {
  assert.ok(T.last4Masked('末尾4桁: XXXXXXXX'));
  assert.ok(T.last4Masked('末尾４桁（ＸＸＸＸ）'));
  assert.ok(!T.last4Masked('末尾4桁: IANT'));
  assert.ok(!T.last4Masked('末尾4桁: ?'));
});

test('parseRMSDate', async (t) => {
  await t.test('slash', () => assert.equal(T.parseRMSDate('2025/05/26').text, '2025/05/26'));
  await t.test('short', () => assert.equal(T.parseRMSDate('2025/5/6').text, '2025/05/06'));
  await t.test('kanji', () => assert.equal(T.parseRMSDate('2025年5月26日').text, '2025/05/26'));
  await t.test('dash', () => assert.equal(T.parseRMSDate('2025-05-26').text, '2025/05/26'));
  await t.test('with time', () => assert.equal(T.parseRMSDate('2014/10/06 09:00:00').text, '2014/10/06'));
  await t.test('none shown', () => assert.deepEqual(T.parseRMSDate('-'), { ok: false }));
  await t.test('empty', () => assert.deepEqual(T.parseRMSDate(''), { ok: false }));
  await t.test('unreadable', () => assert.equal(T.parseRMSDate('2025/13/40'), null));
  await t.test('junk', () => assert.equal(T.parseRMSDate('soon'), null));
});

test('sameName ignores spacing and width', () => {
  assert.ok(T.sameName('株式会社GoQSystem', '株式会社GoQ System'));
  assert.ok(T.sameName('ＧｏＱ', 'GoQ'));
  assert.ok(!T.sameName('', ''));
});
