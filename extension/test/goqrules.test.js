'use strict';
// The GoQ page rules (which field is the key's, which button saves, the
// route) against the vectors the Go side reads too.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const G = require('../lib/goqrules.js');

const v = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'internal', 'keyrelay', 'testdata', 'goq_rules.json'), 'utf8'));

test('goq_rules.json labels: classifyLabel', async (t) => {
  assert.ok(v.labels.length >= 20);
  for (const c of v.labels) await t.test(c.name, () => assert.equal(G.classifyLabel(c.text), c.kind));
});

test('goq_rules.json buttons: saveRank', async (t) => {
  for (const c of v.buttons) await t.test(c.name, () => assert.equal(G.saveRank(c.text), c.rank));
});

test('goq_rules.json route', () => assert.deepEqual(G.ROUTE, v.route));

test('chooseSave never falls back and refuses a tie', () => {
  assert.equal(G.chooseSave([{ name: '戻る' }, { name: '設定を保存して次へ進む' }]).button.name, '設定を保存して次へ進む');
  assert.equal(G.chooseSave([{ name: '戻る' }, { name: '次へ' }]).error, 'none');
  assert.deepEqual(G.chooseSave([{ name: '保存' }, { name: '登録' }]).candidates, ['保存', '登録']);
  assert.equal(G.chooseSave([{ name: '保存' }, { name: '設定を保存して次へ進む' }]).button.name, '設定を保存して次へ進む');
});

test('routeLink follows only same-host https links by their text', () => {
  const links = [{ text: 'WEBAPI設定', href: 'javascript:go()' }, { text: ' WEBAPI 設定 ', href: 'https://evil.example/x' },
    { text: 'WEBAPI設定', href: 'https://order.goqsystem.com/goq21/setting/mall/rakuten/webapi' }];
  assert.equal(G.routeLink(links, 'WEBAPI設定', 'order.goqsystem.com'), 'https://order.goqsystem.com/goq21/setting/mall/rakuten/webapi');
  assert.equal(G.routeLink(links.slice(0, 2), 'WEBAPI設定', 'order.goqsystem.com'), '');
});

test('goq_rules.json hidden_classes: text inside is not part of a label', () => {
  assert.deepEqual([...G.HIDDEN_CLASSES].sort(), [...v.hidden_classes].sort());
  for (const c of v.hidden_classes) assert.ok(G.hiddenByClass('x ' + c.toUpperCase()), c);
  for (const c of v.visible_classes) assert.ok(!G.hiddenByClass(c), c);
});

test('goq_rules.json block_tags: what ends the text before a field', () => {
  assert.deepEqual([...G.BLOCK_TAGS].sort(), [...v.block_tags].sort());
  for (const tag of v.inline_tags) assert.ok(!G.BLOCK_TAGS.has(tag), tag);
});
