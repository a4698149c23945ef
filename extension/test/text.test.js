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

test('labelPairsInLine', async (t) => {
  const first = (line) => T.labelPairsInLine(line)[0] || null;
  await t.test('half-width colon', () => assert.deepEqual(first('ライセンスキー: SL123456_ABCDEFGHIJKLMNOP'),
    { field: 'key', label: 'ライセンスキー', value: 'SL123456_ABCDEFGHIJKLMNOP' }));
  await t.test('full-width colon and spaces', () => assert.equal(first(' 有効期限 ：  2025/05/26 ').value, '2025/05/26'));
  await t.test('value keeps inner colons', () => assert.equal(first('アプリURL: http://goqsystem.com/').value, 'http://goqsystem.com/'));
  await t.test('url line is not a label', () => assert.equal(first('http://goqsystem.com/'), null));
  await t.test('unknown label', () => assert.equal(first('申請について： 楽天市場による審査'), null));
  await t.test('two on one line', () => assert.deepEqual(T.labelPairsInLine('店舗名：サンプル店　店舗ID：123456').map((p) => p.value), ['サンプル店', '123456']));
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

// parseRMSDate, sameName, foldName and deliversTo: vectors.test.js (shared with Go).
