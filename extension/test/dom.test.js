'use strict';
// Runs the content script's parser (snapshot.js + classify.js) in a real
// headless Chromium DOM on the fixture pages and checks every page kind.
// Skipped only when no Chromium is installed (make test installs it).
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

function findChromium() {
  const candidates = [process.env.KEYRELAY_CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome'].filter(Boolean);
  for (const c of candidates) {
    try {
      execFileSync('sh', ['-c', `command -v "${c}"`], { stdio: 'ignore' });
      return c;
    } catch (e) { /* next */ }
  }
  return '';
}

const FIXTURES = ['app_list', 'masked', 'revealed_table', 'revealed_lines', 'revealed_dl', 'revealed_lines_br', 'revealed_grid',
  'apis_dl', 'apis_ul', 'update_pending', 'two_keys', 'no_key_label', 'truncated', 'last4_mismatch', 'split_key_space',
  'split_key_br', 'key_pre', 'other',
  'key_display_contents', 'key_sr_copy', 'key_help_after', 'key_hidden_bits', 'key_closed_details', 'key_only_in_details',
  'robot_css_dots', 'update_input_image', 'update_aria_img', 'update_short', 'last4_brackets', 'two_app_names', 'key_paren'];

function runParser(chromium) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'keyrelay-dom-'));
  const url = pathToFileURL(path.join(__dirname, 'runner.html')).href + '?f=' + FIXTURES.join(',');
  return new Promise((resolve, reject) => {
    execFile(chromium, ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--allow-file-access-from-files',
      `--user-data-dir=${profile}`, '--virtual-time-budget=10000', '--dump-dom', url],
    { timeout: 60000, maxBuffer: 16 << 20 }, (err, stdout) => {
      fs.rmSync(profile, { recursive: true, force: true });
      const m = /RESULT:([\s\S]*?):END/.exec(stdout || '');
      if (!m) return reject(err || new Error('runner printed no result'));
      // --dump-dom prints HTML: undo the escaping of the <pre> text.
      const json = m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
      resolve(JSON.parse(json));
    });
  });
}

const chromium = findChromium();

test('parser in a real DOM', { skip: chromium ? false : 'no chromium installed' }, async (t) => {
  const got = await runParser(chromium);
  for (const name of FIXTURES) assert.ok(!got[name].error, `${name}: ${got[name].error}`);

  await t.test('app_list: every row, 更新あり flagged, shop from the header line', () => {
    const d = got.app_list;
    assert.equal(d.kind, 'app_list');
    assert.equal(d.capturable, false);
    assert.deepEqual(d.listing.rows, [
      { developer: '店舗様', app_name: '(アプリ名を登録してください)', key_last4: 'A9FR', expiry: '2025/05/26', state: '利用中', update_pending: false },
      { developer: '株式会社GoQSystem', app_name: 'GoQ System (ごくシステム)', key_last4: 'IANT', expiry: '-', state: '利用中 更新あり', update_pending: true },
    ]);
    assert.deepEqual(d.listing.shop, { id: '123456', url: '', name: 'サンプル店' });
    assert.equal(d.key, undefined);
  });

  await t.test('masked: robot check message, no key', () => {
    const d = got.masked;
    assert.equal(d.kind, 'license_masked');
    assert.equal(d.capturable, false);
    assert.equal(d.key, undefined);
    assert.equal(d.updatePending, true);
    assert.match(d.reason, /ロボットによる操作ではありません/);
    assert.match(d.reason, /確認する/);
  });

  const wantFields = {
    developer: '株式会社GoQ System', appName: 'GoQ System (ごくシステム)', appUrl: 'http://goqsystem.com/', state: '利用中',
  };
  const wantApis = [
    { name: 'cabinet.file.delete', description: '画像IDを指定して画像を削除フォルダに移動することができます。 This function enables the transfer of the image into Deletion folder by specifying the image ID.' },
    { name: 'shop.shopStatus.get', description: '特定のショップの移行状況や利用状況を確認できます。' },
  ];
  const revealed = [
    // th/td, key cell padded with newlines, CSS text-transform and a hidden old key
    ['revealed_table', 'SL123456_abcdEFGHijklMNOP', '2026/02/25', { id: '', url: '', name: '' }],
    // "label: value" lines, full-width colons, key in a readonly input
    ['revealed_lines', 'a8F3kQ9zP2mX7vL4nR6tY1wB5cH0dJ8eG3sU2qK7', '2026/02/25', { id: '', url: 'https://www.rakuten.co.jp/example/', name: 'サンプル店' }],
    // dl/dt/dd, help icon in the label, old key in a closed <details>
    ['revealed_dl', 'SL654321_ZYXWVUTSRQPONMLK', '-', { id: '123456', url: '', name: 'サンプル店' }],
    // markup b: key on its own source line after the label (one line on screen), U+3000 after it
    ['revealed_lines_br', 'a8F3kQ9zP2mX7vL4nR6tY1wB5cH0dJ8eG3sU2qK7', '2026/02/25', { id: '', url: '', name: '' }],
    // markup c: help icons, key in a readonly input beside a copy button, API list as a role=table grid
    ['revealed_grid', 'SL123456_abcdEFGHijklMNOP', '2026/02/25', { id: '', url: '', name: '' }],
    // API list as dl (dt name, dd description), a later dl under another heading ignored
    ['apis_dl', 'SL123456_abcdEFGHijklMNOP', '2026/02/25', { id: '', url: '', name: '' }],
    // API list as ul/li: <code>name</code>：text, "name text", and a note item skipped
    ['apis_ul', 'SL123456_abcdEFGHijklMNOP', '2026/02/25', { id: '', url: '', name: '' }],
  ];
  for (const [name, key, expiry, shop] of revealed) {
    await t.test(`${name}: exact key and context`, () => {
      const d = got[name];
      assert.equal(d.kind, 'license_revealed', d.reason);
      assert.equal(d.capturable, true);
      assert.equal(d.key, key);
      assert.equal(d.keyLast4, key.slice(-4));
      for (const [k, v] of Object.entries(wantFields)) assert.equal(d.fields[k], v, k);
      assert.equal(d.fields.expiry, expiry);
      assert.deepEqual(d.fields.shop, shop);
      assert.deepEqual(d.fields.apis, wantApis);
    });
  }

  const refused = [
    ['update_pending', 'license_update_pending', /アップデートする/],
    ['two_keys', 'unknown_layout', /2つ以上/],
    ['no_key_label', 'unknown_layout', /「ライセンスキー」の項目が見つかりません/],
    ['truncated', 'license_revealed', /欠けている/],
    ['last4_mismatch', 'license_revealed', /IANT/],
    ['split_key_space', 'license_revealed', /空白や改行/],
    ['split_key_br', 'unknown_layout', /改行/],
    ['key_pre', 'unknown_layout', /「ライセンスキー」の項目が見つかりません/],
    ['other', 'other', /ライセンス情報/],
    // styling must never cut or extend the key: a key from more than one node is refused
    ['key_display_contents', 'unknown_layout', /複数の要素/],
    ['key_sr_copy', 'unknown_layout', /複数の要素/],
    ['key_help_after', 'unknown_layout', /複数の要素/],
    ['key_only_in_details', 'unknown_layout', /「ライセンスキー」の項目が見つかりません/],
    ['robot_css_dots', 'license_masked', /ロボットによる操作ではありません/],
    ['update_input_image', 'license_update_pending', /アップデートする/],
    ['update_aria_img', 'license_update_pending', /アップデートする/],
    ['update_short', 'license_update_pending', /アップデートする/],
    ['last4_brackets', 'license_revealed', /ZZZZ/],
    ['two_app_names', 'unknown_layout', /アプリ名/],
    ['key_paren', 'license_revealed', /欠けている/],
  ];
  for (const [name, kind, reason] of refused) {
    await t.test(`${name}: ${kind}, nothing to send`, () => {
      const d = got[name];
      assert.equal(d.kind, kind);
      assert.equal(d.capturable, false);
      assert.equal(d.key, undefined);
      assert.match(d.reason, reason);
      assert.ok(d.reasonEn);
    });
  }

  const K40 = 'a8F3kQ9zP2mX7vL4nR6tY1wB5cH0dJ8eG3sU2qK7';
  for (const [name, why] of [
    ['key_hidden_bits', 'an opacity:0 "x" before the key and ruby <rt> are not read'],
    ['key_closed_details', 'old keys in a closed <details> and content-visibility:hidden are not read'],
  ]) {
    await t.test(`${name}: ${why}`, () => {
      const d = got[name];
      assert.equal(d.kind, 'license_revealed', d.reason);
      assert.equal(d.capturable, true);
      assert.equal(d.key, K40);
    });
  }
});
