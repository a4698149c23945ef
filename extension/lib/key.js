// Key rules, mirrored from internal/keyrelay/key.go (KeyProblem,
// ValidateKey, KeyLast4); internal/keyrelay/testdata/keys.json pins both.
// The extension refuses before sending, the helper refuses again on
// receipt. Messages never contain the key.
(function (root) {
  'use strict';

  const L = root.keyrelay && root.keyrelay.limits || (typeof require === 'function' ? require('./limits.js') : null);
  const MIN_KEY_LEN = L.min_key_len;
  const MAX_KEY_LEN = L.max_key_len;
  // A key that contains the start of a classic key anywhere must be one in
  // full: a lost first or last character, or one picked up in front
  // ("(SL…", "xSL…"), is caught.
  const CLASSIC_KEY = /^SL[0-9]{6}_[A-Za-z0-9]{16}$/;
  const CLASSIC_KEY_PREFIX = /S?L?[0-9]{6}_/;
  // Runs of X are judged by X_RUN_* (as key.go's xRunMasked and
  // xRunAlwaysMasked): a real key may hold XXXX by chance; a run of six is
  // a mask, a run of four names the mask only when the string is no key anyway.
  const MASK_MARKERS = ['**', '末尾', '桁', '[redacted]', 'redacted', '●', '•', '…', '...'];
  const X_RUN_MASKED = 4;
  const X_RUN_ALWAYS_MASKED = 6;

  // longestXRun is the longest run of 'X' or of 'x' (one case per run).
  function longestXRun(s) {
    let longest = 0;
    let run = 0;
    let prev = '';
    for (const ch of s) {
      if ((ch === 'X' || ch === 'x') && ch === prev) run++;
      else if (ch === 'X' || ch === 'x') run = 1;
      else run = 0;
      prev = ch;
      if (run > longest) longest = run;
    }
    return longest;
  }

  const MASKED = ['ライセンスキーが伏せ字のままです（表示前のキーです）。「ロボットによる操作ではありません」にチェックを入れ、「確認する」を押してからもう一度取得してください。',
    'The license key is still masked. Tick 「ロボットによる操作ではありません」, press 確認する, then capture again.'];
  // unicode.IsSpace in Go, plus the zero-width space and BOM key.go adds.
  const SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u200b\ufeff]/u;

  function problem(code, message, messageEn) {
    return { code, message, messageEn };
  }

  // validateKey returns null when s is a plausible key, else
  // {code, message, messageEn}. code is one of empty, masked, whitespace,
  // markup, non_ascii, length, classic_shape, too_few_distinct.
  function validateKey(s) {
    if (typeof s !== 'string' || s === '') {
      return problem('empty', 'ライセンスキーが空です。', 'The license key is empty.');
    }
    const lower = s.toLowerCase();
    for (const m of MASK_MARKERS) {
      if (lower.includes(m.toLowerCase())) return problem('masked', ...MASKED);
    }
    const xRun = longestXRun(s);
    if (xRun >= X_RUN_ALWAYS_MASKED) return problem('masked', ...MASKED);
    const p = shapeProblem(s);
    if (p && xRun >= X_RUN_MASKED) return problem('masked', ...MASKED);
    return p;
  }

  // shapeProblem is validateKey's rules after the mask markers.
  function shapeProblem(s) {
    for (const ch of s) {
      const c = ch.codePointAt(0);
      if (SPACE.test(ch)) {
        return problem('whitespace', 'ライセンスキーに空白や改行が含まれています。', 'The license key contains whitespace or a line break.');
      }
      if ('<>"\'`&\\'.includes(ch)) {
        return problem('markup', 'ライセンスキーにHTMLなどの記号が含まれています。', 'The license key contains markup characters.');
      }
      if (c < 0x21 || c > 0x7e) {
        return problem('non_ascii', 'ライセンスキーに半角英数字と記号以外の文字が含まれています。',
          'The license key contains characters other than ASCII letters, digits and symbols.');
      }
    }
    // Every character is printable ASCII here, so length is also Go's byte length.
    const n = s.length;
    if (n < MIN_KEY_LEN || n > MAX_KEY_LEN) {
      return problem('length', `ライセンスキーの長さ（${n}文字）が不自然です。${MIN_KEY_LEN}〜${MAX_KEY_LEN}文字のはずです。`,
        `The license key's length (${n} characters) is implausible: expected ${MIN_KEY_LEN} to ${MAX_KEY_LEN}.`);
    }
    if (CLASSIC_KEY_PREFIX.test(s) && !CLASSIC_KEY.test(s)) {
      return problem('classic_shape',
        'ライセンスキーの形式（SL+店舗ID6桁_英数字16桁）と一致しません。先頭か末尾の文字が欠けている可能性があります。',
        'The license key does not match its shape (SL + 6-digit shop id + _ + 16 alphanumerics): a first or last character may be missing.');
    }
    if (new Set(s).size < 6) {
      return problem('too_few_distinct', 'ライセンスキーの文字の種類が少なすぎます（伏せ字や仮の値の可能性があります）。',
        'The license key has too few distinct characters; it looks like a placeholder.');
    }
    return null;
  }

  // keyLast4 is the only part of a key the UI shows.
  function keyLast4(key) {
    const s = String(key == null ? '' : key);
    return s.length <= 4 ? s : s.slice(-4);
  }

  const api = { validateKey, keyLast4 };
  if (typeof module === 'object' && module.exports) module.exports = api;
  else (root.keyrelay = root.keyrelay || {}).key = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
