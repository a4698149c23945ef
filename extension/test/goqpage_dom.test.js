'use strict';
// The GoQ content script's account reading in a real headless Chromium DOM
// (goq_runner.html over fixtures/goq/): each style a back office may print
// the logged-in account in, a settings field called 「ユーザーID」 that is not
// the account, hidden text, and pages with no or two accounts. A page that
// shows another account than the task's gets nothing typed. The e2e tests
// run the same script through the real extension against the fake GoQ.
// Skipped only when no Chromium is installed (make test installs it).
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

function findChromium() {
  for (const c of [process.env.KEYRELAY_CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome'].filter(Boolean)) {
    try {
      execFileSync('sh', ['-c', `command -v "${c}"`], { stdio: 'ignore' });
      return c;
    } catch (e) { /* next */ }
  }
  return '';
}

// What each page shows: the account, or '' with why.
const WANT = {
  colon: { account: 'goq-a', problem: '' },
  loggedin: { account: 'goq-a', problem: '' },
  html4: { account: 'goq-a', problem: '' },
  brackets: { account: 'goq-a', problem: '' },
  dl: { account: 'goq-a', problem: '' },
  hidden_other: { account: 'goq-a', problem: '' },
  none: { account: '', problem: 'none' },
  two: { account: '', problem: 'several' },
};

function run(chromium) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'keyrelay-goqdom-'));
  const url = pathToFileURL(path.join(__dirname, 'goq_runner.html')).href + '?f=' + Object.keys(WANT).join(',');
  return new Promise((resolve, reject) => {
    execFile(chromium, ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--allow-file-access-from-files',
      `--user-data-dir=${profile}`, '--virtual-time-budget=10000', '--dump-dom', url],
    { timeout: 60000, maxBuffer: 16 << 20 }, (err, stdout) => {
      fs.rmSync(profile, { recursive: true, force: true });
      const m = /RESULT:([\s\S]*?):END/.exec(stdout || '');
      if (!m) return reject(err || new Error('runner printed no result'));
      const json = m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
      resolve(JSON.parse(json));
    });
  });
}

const chromium = findChromium();

test('the GoQ account a page shows, in a real DOM', { skip: chromium ? false : 'no chromium installed' }, async (t) => {
  const got = await run(chromium);
  for (const [name, want] of Object.entries(WANT)) {
    await t.test(name, () => {
      const r = got[name];
      assert.ok(r && !r.error, r && r.error);
      assert.equal(r.page, 'form');
      assert.equal(r.account, want.account);
      assert.equal(r.accountProblem, want.problem);
      // The fill of a task for another account types nothing.
      assert.equal(r.fill, want.account ? 'wrong_account' : 'no_account');
      assert.equal(r.fillAccount, want.account);
      assert.equal(r.keyAfter, 'SL000000_oldoldoldoldold');
      // A message that is not from our service worker gets no answer.
      assert.equal(r.untrusted, 'no answer');
    });
  }
});
