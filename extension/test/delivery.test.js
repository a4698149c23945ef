'use strict';
// The popup's lines for a delivery: GoQ's words marked as GoQ's, verbatim.
const test = require('node:test');
const assert = require('node:assert/strict');
const { quoteLine, loginLine } = require('../lib/delivery.js');

test('quoteLine marks GoQ words and keeps them verbatim', () => {
  assert.equal(quoteLine('ライセンスキーの形式が正しくありません。', 'GoQの表示'), 'GoQの表示:「ライセンスキーの形式が正しくありません。」');
  // Markup stays text: the popup sets it with textContent.
  assert.equal(quoteLine('<b>E-17</b> & "x"', 'GoQ said'), 'GoQ said:「<b>E-17</b> & "x"」');
  assert.equal(quoteLine('一行目\n  二行目', 'GoQの表示'), 'GoQの表示:「一行目 二行目」');
});

test('nothing said, no line', () => {
  for (const q of ['', '   ', null, undefined]) assert.equal(quoteLine(q, 'GoQの表示'), '');
  assert.equal(loginLine('', 'GoQログインID'), '');
});

test('loginLine names the login', () => {
  assert.equal(loginLine('fuji-goq', 'GoQログインID'), 'GoQログインID: fuji-goq');
});
