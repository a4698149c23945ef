'use strict';
// The GoQ account rules (browser mode: the key is filled only when the GoQ
// page shows the shop's account) against the vectors the Go side reads too
// (internal/keyrelay/testdata/goq_account.json: check and same are the
// helper's CheckGoQAccount and SameGoQAccount).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const G = require('../lib/goqrules.js');

const v = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'internal', 'keyrelay', 'testdata', 'goq_account.json'), 'utf8'));

test('goq_account.json check: validAccount', async (t) => {
  assert.ok(v.check.length >= 8);
  for (const c of v.check) await t.test(JSON.stringify(c.id).slice(0, 40), () => assert.equal(G.validAccount(c.id), c.ok));
});

test('goq_account.json same: sameAccount', async (t) => {
  for (const c of v.same) await t.test(c.want + ' / ' + c.shown, () => assert.equal(G.sameAccount(c.want, c.shown), c.same));
});

test('goq_account.json labels: accountLabel', async (t) => {
  for (const c of v.labels) await t.test(c.text, () => assert.equal(G.accountLabel(c.text), c.label));
});

test('goq_account.json texts: accountIn', async (t) => {
  assert.ok(v.texts.length >= 10);
  for (const c of v.texts) await t.test(c.text, () => assert.equal(G.accountIn(c.text), c.account));
});

test('the account limit is the helper\'s', () => {
  const limits = fs.readFileSync(path.join(__dirname, '..', '..', 'internal', 'keyrelay', 'goqaccount.go'), 'utf8');
  assert.match(limits, new RegExp('MaxGoQAccount = ' + G.MAX_ACCOUNT + '\\b'));
});
