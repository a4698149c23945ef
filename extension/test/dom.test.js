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

// What each fixture must give: shared with e2e/fixtures_test.go, which loads
// the same pages through the real extension.
const EXPECT = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'expect.json'), 'utf8')).pages;
const FIXTURES = Object.keys(EXPECT);

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

  for (const [name, want] of Object.entries(EXPECT)) {
    await t.test(`${name}: ${want.why}`, () => {
      const d = got[name];
      assert.equal(d.kind, want.kind, d.reasonEn);
      assert.equal(d.capturable, want.capturable, d.reasonEn);
      if (want.capturable) {
        assert.equal(d.key, want.key);
        assert.equal(d.keyLast4, want.key.slice(-4));
      } else {
        assert.equal(d.key, undefined);
        assert.match(d.reason, new RegExp(want.reason));
        assert.ok(d.reasonEn);
      }
    });
  }
});
