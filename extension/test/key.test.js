'use strict';
// Same cases as internal/keyrelay's ValidateKey tests: the extension must
// refuse exactly what the helper refuses.
const test = require('node:test');
const assert = require('node:assert/strict');
const { validateKey, keyLast4 } = require('../lib/key.js');

const good = 'SL123456_ABCDEFGHIJKLMNOP';

test('validateKey refuses', async (t) => {
  const cases = [
    ['empty', '', 'empty'],
    ['masked XXXXXXXX', 'XXXXXXXX', 'masked'],
    ['masked 末尾4桁', '末尾4桁: IANT', 'masked'],
    ['redacted', '[Redacted]', 'masked'],
    ['lower-case redacted', 'abc[redacted]def123', 'masked'],
    ['stars', 'SL123456_****************', 'masked'],
    ['bullets', '●●●●●●●●●●●●●●', 'masked'],
    ['ellipsis', 'SL123456_ABCDEF...', 'masked'],
    ['inner space', 'SL123456_ABCDEFGH IJKLMNOP', 'whitespace'],
    ['trailing newline', good + '\n', 'whitespace'],
    ['full-width space', 'ABCDEFGHIJKL\u3000MN', 'whitespace'],
    ['zero-width space', 'ABCDEFGHIJKL\u200bMN', 'whitespace'],
    ['nbsp', 'ABCDEFGHIJKL\u00a0MN', 'whitespace'],
    ['markup', '<b>SL123456_ABCDEFGHIJKLMNOP</b>', 'markup'],
    ['ampersand', 'ABCDEFGH&IJKLMN', 'markup'],
    ['backslash', 'ABCDEFGH\\IJKLMN', 'markup'],
    ['non-ascii', 'ＡＢＣＤＥＦＧＨＩＪＫＬＭＮ', 'non_ascii'],
    ['control char', 'ABCDEFGHIJ\u0001KLMN', 'non_ascii'],
    ['too short', 'Ab3dEf9h', 'length'],
    ['too long', 'A1b2C3d4'.repeat(33), 'length'],
    ['truncated classic (15 chars after _)', 'SL123456_ABCDEFGHIJKLMNO', 'classic_shape'],
    ['classic lost first char', 'L123456_ABCDEFGHIJKLMNOP', 'classic_shape'],
    ['classic with extra char', 'SL123456_ABCDEFGHIJKLMNOPQ', 'classic_shape'],
    ['two asterisks', 'SL123456_ABCDEFGHIJKLMN**', 'masked'],
    ['two asterisks inside', 'a8F3kQ9zP2**L4nR6tY1wB5c', 'masked'],
    ['classic in parentheses', '(SL123456_ABCDEFGHIJKLMNOP)', 'classic_shape'],
    ['classic with a char in front', 'xSL123456_ABCDEFGHIJKLMNOP', 'classic_shape'],
    ['classic shape inside', 'abcd123456_ABCDEFGHIJKLMNOP', 'classic_shape'],
    ['few distinct', 'abababababababab', 'too_few_distinct'],
  ];
  for (const [name, key, code] of cases) {
    await t.test(name, () => {
      const got = validateKey(key);
      assert.ok(got, 'want a refusal');
      assert.equal(got.code, code);
      assert.ok(got.message && got.messageEn);
      if (key.length >= 12) assert.ok(!got.message.includes(key) && !got.messageEn.includes(key), 'message must not echo the key');
    });
  }
});

test('validateKey accepts', async (t) => {
  const cases = [
    ['classic', good],
    ['non-classic 40 chars', 'a8F3kQ9zP2mX7vL4nR6tY1wB5cH0dJ8eG3sU2qK7'],
    ['symbols allowed', 'Ab3-dEf_9h.Z+/='],
    ['12 chars', 'Ab3dEf9hK2m0'],
  ];
  for (const [name, key] of cases) {
    await t.test(name, () => assert.equal(validateKey(key), null));
  }
});

test('keyLast4', () => {
  assert.equal(keyLast4(good), 'MNOP');
  assert.equal(keyLast4('abc'), 'abc');
});
