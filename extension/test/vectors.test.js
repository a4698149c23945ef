'use strict';
// The rules the extension shares with the helper, checked against the same
// vector files Go's internal/keyrelay tests read: a vector either side
// breaks fails both suites.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { validateKey, keyLast4 } = require('../lib/key.js');
const T = require('../lib/text.js');
const limits = require('../lib/limits.js');

const dir = path.join(__dirname, '..', '..', 'internal', 'keyrelay', 'testdata');
const read = (name) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));

test('keys.json: validateKey gives the same problem as KeyProblem', async (t) => {
  const v = read('keys.json');
  assert.ok(v.cases.length >= 40);
  for (const c of v.cases) {
    await t.test(c.name, () => {
      const got = validateKey(c.key);
      assert.equal(got ? got.code : null, c.problem);
      if (got) {
        assert.ok(got.message && got.messageEn);
        if (c.key.length >= 8) assert.ok(!got.message.includes(c.key) && !got.messageEn.includes(c.key), 'message must not echo the key');
      }
    });
  }
  for (const c of v.last4) assert.equal(keyLast4(c.key), c.want);
});

test('dates.json: parseRMSDate reads what ParseRMSDate reads', async (t) => {
  for (const c of read('dates.json').cases) {
    await t.test(c.name, () => {
      const got = T.parseRMSDate(c.in);
      if (c.want === null) assert.equal(got, null);
      else if (c.want === '') assert.deepEqual(got, { ok: false });
      else assert.equal(got && got.text, c.want);
    });
  }
});

test('names.json: foldName, sameName and deliversTo match FoldName and DeliversTo', () => {
  const v = read('names.json');
  for (const c of v.fold) assert.equal(T.foldName(c.in), c.want, c.name);
  for (const c of v.delivers_to_goq) assert.equal(T.deliversTo('goq', c.app_name), c.want, c.app_name);
  assert.equal(T.deliversTo('other', 'x'), true);
  for (const c of v.same_name) assert.equal(T.sameName(c.a, c.b), c.want, `${c.a} / ${c.b}`);
});

test('limits.json: lib/limits.js holds the domain limits, clip cuts as Clip does', async (t) => {
  const v = read('limits.json');
  const { trunc_marker: marker, ...numbers } = limits;
  assert.deepEqual(numbers, v.limits);
  assert.equal(marker, v.marker);
  for (const c of v.clip) {
    await t.test(c.name, () => assert.equal(T.clip(c.in, c.max), c.want));
  }
});
