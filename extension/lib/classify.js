// classify turns a page snapshot (see snapshot.js; plain data, so node tests
// can build one by hand) into what keyrelay may do on that page. It never
// guesses a key: anything it cannot read for certain is unknown_layout.
(function (root) {
  'use strict';

  const T = root.keyrelay && root.keyrelay.text || (typeof require === 'function' ? require('./text.js') : null);
  const K = root.keyrelay && root.keyrelay.key || (typeof require === 'function' ? require('./key.js') : null);
  const L = root.keyrelay && root.keyrelay.limits || (typeof require === 'function' ? require('./limits.js') : null);

  // The domain's limit on a capture's API list (lib/limits.js).
  const MAX_APIS = L.max_apis;

  const MSG = {
    other: ['このページには取得できるライセンスキーがありません。RMSの「ライセンス情報」ページを開いてください。',
      'Nothing to capture on this page. Open the license page (ライセンス情報) in RMS.'],
    appList: ['アプリ一覧です。「詳細」からライセンス情報を開いてください（有効期限と更新の有無を記録しました）。',
      'This is the app list. Open 詳細 for the license page (expiry and pending updates were recorded).'],
    masked: ['ライセンスキーがまだ伏せ字です。ページの「ロボットによる操作ではありません」にご自身でチェックを入れ、「確認する」を押してから、もう一度取得してください。',
      'The license key is still masked. Tick 「ロボットによる操作ではありません」 on the page yourself, press 確認する, then capture again.'],
    // RMS shows アップデートする only after 確認する, next to the revealed key.
    maskedUpdate: ['このアプリは「更新あり」です。「ロボットによる操作ではありません」にチェックを入れて「確認する」を押すと、キーと「アップデートする」が表示されます。アップデートでキーが変わる場合があるため、通常は「アップデートする」を押してから取得してください（アップデートしない場合は、キーを表示した後に「更新せずに取得」を選べます）。',
      'This app has an update pending (更新あり). Tick 「ロボットによる操作ではありません」 and press 確認する: the key and アップデートする appear. The key may change with the update, so normally press アップデートする before capturing (to decline the update, reveal the key and choose Capture without updating).'],
    update: ['このアプリには「アップデートする」が表示されています。アップデートでライセンスキーが変わる場合があるため、通常は先に「アップデートする」を押し、もう一度キーを表示してから取得してください。アップデートしない場合は「更新せずに取得」を押してください（「更新あり」の通知は残ります）。',
      'This app offers アップデートする. The key may change with the update, so normally update first, then reveal the key again and capture. To decline the update, press Capture without updating (更新せずに取得); the update-pending alert stays.'],
    noKeyLabel: ['ライセンス情報のページですが「ライセンスキー」の項目が見つかりません。ページの形式が想定と違うため、キーは取得しません。',
      'This is a license page but no ライセンスキー field was found. The page layout is not one keyrelay knows, so no key is taken.'],
    noAppName: ['ライセンスキーは読めましたが「アプリ名」が見つかりません。どのアプリのキーか判断できないため、送信しません。',
      'The key was read but no アプリ名 (app name) was found, so keyrelay cannot tell which app it belongs to. Nothing is sent.'],
    twoKeys: ['このページに異なるライセンスキーが2つ以上表示されています（過去の利用履歴を開いている場合は閉じてください）。どれが正しいか判断できないため、キーは取得しません。',
      'The page shows more than one different license key (close the past usage history if it is open). keyrelay cannot tell which is right, so no key is taken.'],
    keySplit: ['ライセンスキーが途中で改行されているように見えます。キーが欠けたまま送信されるのを防ぐため、取得しません。',
      'The license key seems to be broken across lines. To never send a partial key, nothing is taken.'],
    keyPieces: ['ライセンスキーと、その前後に表示されている別の文字（リンク、ボタン、アイコン、別の枠の文字など）との境目が判別できません。正しいキーか判断できないため、取得しません。',
      'The license key cannot be told apart from the text drawn next to it (a link, a button, an icon, text in another box …). keyrelay cannot tell the exact key, so nothing is taken.'],
    last4Unread: ['ページの「キー情報」の末尾4桁が読み取れません。キーを照合できないため、送信しません。',
      'The last 4 in the page\'s キー情報 cannot be read, so the key cannot be cross-checked. Nothing is sent.'],
    twoNames: ['このページに異なる「アプリ名」または「システム開発企業」が2つ以上表示されています。どのアプリのキーか判断できないため、取得しません。',
      'The page shows more than one different アプリ名 (app name) or システム開発企業 (developer). keyrelay cannot tell which app the key belongs to, so nothing is taken.'],
    last4Page: (page, key) => [`ページに表示されている末尾4桁（${page}）と、読み取ったキーの末尾4桁（${key}）が一致しません。キーは送信しません。ページを再読み込みしてから、もう一度取得してください。`,
      `The last 4 shown on the page (${page}) differ from those of the key read (${key}). Nothing is sent. Reload the page and capture again.`],
    last4List: (list, key) => [`アプリ一覧に表示されていた末尾4桁（${list}）と、読み取ったキーの末尾4桁（${key}）が一致しません。キーは送信しません。アプリ一覧を開き直して確認してから、もう一度取得してください。`,
      `The app list showed last 4 ${list}, but the key read ends in ${key}. Nothing is sent. Reopen the app list to check, then capture again.`],
  };

  const norm = (s) => String(s == null ? '' : s).normalize('NFKC').replace(/[\s\u200b\ufeff]+/g, '');

  // linePairs reads "label: value" lines (half- or full-width colon).
  // A key read from the end of a line is suspect when the next line is one
  // bare run of key characters: that is how a key broken by <br> looks, and
  // taking the first part would send a truncated key.
  function linePairs(lines) {
    const out = [];
    lines.forEach((line, i) => {
      const ps = T.labelPairsInLine(line);
      ps.forEach((p, j) => {
        if (p.value === '' || T.fieldOf(p.value)) return;
        const pair = { field: p.field, label: p.label, value: p.value, via: 'line' };
        const next = lines[i + 1];
        if (p.field === 'key' && j === ps.length - 1 && next !== undefined &&
            /^[!-~]+$/.test(next) && T.labelPairsInLine(next).length === 0) pair.continued = true;
        out.push(pair);
      });
    });
    return out;
  }

  // columnPairs reads tables whose first row is all labels and whose second
  // row holds the values (基本情報: キー情報 | 有効期限 | 状態).
  function columnPairs(tables) {
    const out = [];
    for (const t of tables) {
      if (t.rows.length !== 2) continue;
      const [head, vals] = t.rows;
      if (!head.length || !head.every((c) => T.fieldOf(c.text))) continue;
      head.forEach((c, i) => {
        const v = vals[i] ? T.trimValue(vals[i].text) : '';
        if (v !== '') out.push({ field: T.fieldOf(c.text), label: T.normalizeLabel(c.text), value: v, via: 'column' });
      });
    }
    return out;
  }

  function headerCount(rows) {
    let n = 0;
    while (n < rows.length && rows[n].length && rows[n].every((c) => c.th)) n++;
    if (n > 0 && n < rows.length) return n;
    // No <th>: the header is what comes before the first row with a 末尾4桁.
    const first = rows.findIndex((r) => r.some((c) => /末尾/.test(c.text)));
    return first >= 1 && first <= 3 ? first : 0;
  }

  function columnNames(rows, n) {
    const width = Math.max(0, ...rows.map((r) => r.length));
    const names = [];
    for (let c = 0; c < width; c++) {
      const parts = [];
      for (let r = 0; r < n; r++) {
        const cell = rows[r][c];
        if (cell && !parts.includes(cell)) parts.push(cell);
      }
      names.push(norm(parts.map((p) => p.text).join('')));
    }
    return names;
  }

  // findAppList reads the アプリ一覧 table: its columns are found by their
  // header text, however many header rows and spans there are.
  function findAppList(tables) {
    for (const t of tables) {
      const n = headerCount(t.rows);
      if (n === 0) continue;
      const names = columnNames(t.rows, n);
      const col = {};
      names.forEach((name, i) => {
        const pick = (f, ok) => { if (col[f] === undefined && ok) col[f] = i; };
        if (/有効期限/.test(name)) pick('expiry', true);
        else if (/状態/.test(name)) pick('state', true);
        else if (/アプリ名/.test(name)) pick('appName', true);
        else if (/ライセンスキー|キー情報|末尾/.test(name)) pick('key', true);
        else if (/システム開発企業|アプリ登録者|開発者/.test(name)) pick('developer', true);
      });
      if (col.appName === undefined || col.key === undefined || col.expiry === undefined) continue;
      const rows = [];
      for (const r of t.rows.slice(n)) {
        const get = (f) => (col[f] !== undefined && r[col[f]] ? T.collapse(r[col[f]].text) : '');
        const row = {
          developer: get('developer'),
          app_name: get('appName'),
          key_last4: T.parseLast4(get('key')),
          expiry: get('expiry'),
          state: get('state'),
        };
        row.update_pending = /更新あり/.test(norm(row.state));
        if (row.app_name === '' && row.key_last4 === '' && row.expiry === '') continue;
        rows.push(row);
      }
      if (rows.length) return rows;
    }
    return null;
  }

  // An API name as RMS lists them: dotted identifiers (cabinet.file.delete,
  // shop.shopStatus.get).
  const API_NAME = /^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+$/;
  // A name at the start of one cell, then a colon, a dash, spaces, or
  // straight into non-ASCII text ("cabinet.file.delete：画像IDを…").
  const API_LEAD = /^([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+)(?:\s*[:：]\s*|\s+[-–—]\s+|\s+|(?=[^\x00-\x7f])|$)([\s\S]*)$/u;

  const isApiHeader = (text) => { const s = norm(text).toLowerCase(); return s === 'api名' || s === 'api'; };

  // apisByHeader reads rows under a header row naming the API名 column
  // (and 内容/説明); null when there is no such header.
  function apisByHeader(rows) {
    let n = headerCount(rows);
    if (n === 0 || !columnNames(rows, n).some(isApiHeader)) {
      n = rows.slice(0, 3).findIndex((r) => r.some((c) => isApiHeader(c.text))) + 1;
    }
    if (n === 0) return null;
    const names = columnNames(rows, n).map((s) => s.toLowerCase());
    const nameCol = names.findIndex(isApiHeader);
    const descCol = names.findIndex((s) => /内容|説明/.test(s));
    if (nameCol < 0) return null;
    const apis = [];
    for (const r of rows.slice(n)) {
      const name = r[nameCol] ? T.collapse(r[nameCol].text) : '';
      if (!name) continue;
      apis.push({ name, description: descCol >= 0 && r[descCol] ? T.collapse(r[descCol].text) : '' });
      if (apis.length >= MAX_APIS) break;
    }
    return apis;
  }

  // apisByName reads rows with no header: a row is an API when one cell is
  // an API name (the cells after it are the description), or when its text
  // starts with one. Rows without a name (a header, a note) are skipped.
  function apisByName(rows) {
    const apis = [];
    for (const r of rows) {
      const cells = r.map((c) => T.collapse(c.text));
      const k = cells.findIndex((c) => API_NAME.test(c));
      let api = null;
      if (k >= 0) {
        // "<code>name</code>：text" leaves the colon on the description.
        const rest = T.collapse(cells.slice(k + 1).filter(Boolean).join(' '));
        api = { name: cells[k], description: T.collapse(rest.replace(/^(?:[:：]|[-–—](?=\s))/u, '')) };
      } else {
        const m = API_LEAD.exec(T.collapse(cells.filter(Boolean).join(' ')));
        if (m) api = { name: m[1], description: T.collapse(m[2]) };
      }
      if (!api) continue;
      apis.push(api);
      if (apis.length >= MAX_APIS) break;
    }
    return apis;
  }

  // findApis reads アプリが利用するAPIリスト: first the list right under
  // that heading (apiBlocks: table, ARIA grid, dl or ul/li), then any
  // table or grid headed API名 | 内容.
  function findApis(tables, blocks) {
    for (const b of blocks || []) {
      const apis = apisByHeader(b.rows) || apisByName(b.rows);
      if (apis.length) return apis;
    }
    for (const t of tables) {
      const apis = apisByHeader(t.rows);
      if (apis) return apis;
    }
    return [];
  }

  function first(pairs, field) {
    const p = pairs.find((x) => x.field === field);
    return p ? T.collapse(p.value) : '';
  }

  // distinct is every value of field, one per name as sameName compares.
  function distinct(pairs, field) {
    const out = [];
    for (const p of pairs) {
      if (p.field !== field) continue;
      const v = T.collapse(p.value);
      if (v && !out.some((o) => T.sameName(o, v))) out.push(v);
    }
    return out;
  }

  // oneRun is true when the key lies inside one run of text the operator
  // sees as unbroken (runs, from snapshot.js: visible text nodes the browser
  // draws touching, within one block and outside links and controls, or one
  // input's value). A key pieced together from text drawn apart may carry
  // text that is not the key (a help link, a "Copy" badge) or lack a piece
  // the page draws elsewhere.
  function oneRun(key, runs) {
    return Array.isArray(runs) && runs.some((r) => r.includes(key));
  }

  function result(kind, msg, extra) {
    return Object.assign({ kind, capturable: false, reason: msg ? msg[0] : '', reasonEn: msg ? msg[1] : '' }, extra);
  }

  // classify returns {kind, capturable, reason, reasonEn, updatePending,
  // robotCheck, fields, keyLast4, pageLast4, key?, listing?}. key is set
  // only when capturable; callers that do not send it must drop it.
  // opts.declineUpdate: the operator chose 更新せずに取得 (capture although
  // アップデートする is offered); the detection keeps updatePending.
  function classify(snap, opts) {
    const lines = snap.lines || [];
    const tables = snap.tables || [];
    const shopPairs = [...(snap.pairs || []), ...linePairs(lines)];
    const shop = { id: first(shopPairs, 'shopId'), url: first(shopPairs, 'shopUrl'), name: first(shopPairs, 'shopName') };

    const rows = findAppList(tables);
    if (rows) {
      return result('app_list', MSG.appList, {
        updatePending: rows.some((r) => r.update_pending),
        listing: { shop, rows },
      });
    }

    const pairs = [...(snap.pairs || []), ...linePairs(lines), ...columnPairs(tables)];
    const normLines = lines.map(norm);
    const robotCheck = !!snap.recaptcha || normLines.some((l) => l.includes('ロボットによる操作ではありません') || l.includes('セキュリティチェック'));
    const isLicense = normLines.some((l) => l === 'ライセンス情報') ||
      pairs.some((p) => p.field === 'key' || p.field === 'keyInfo') || robotCheck;
    if (!isLicense) return result('other', MSG.other, { updatePending: false });

    const fields = {
      developer: first(pairs, 'developer'),
      appName: first(pairs, 'appName'),
      appUrl: first(pairs, 'appUrl'),
      expiry: first(pairs, 'expiry'),
      state: first(pairs, 'state') || first(pairs, 'status'),
      shop,
      apis: findApis(tables, snap.apiBlocks),
    };
    const status = first(pairs, 'status');
    const updatePending = (snap.controls || []).some((c) => norm(c).includes('アップデート')) ||
      normLines.some((l) => l.includes('アップデートする')) ||
      /更新あり/.test(norm(fields.state)) || /更新あり/.test(norm(status));

    // 末尾4桁 the page itself shows (基本情報's キー情報), to cross-check the key.
    const pageLast4 = [...new Set([
      ...pairs.filter((p) => p.field === 'keyInfo').map((p) => T.parseLast4(p.value)),
      ...lines.map(T.parseLast4),
    ].filter(Boolean))];

    const base = { updatePending, robotCheck, fields, pageLast4, keyLast4: '' };
    const keys = [...new Set(pairs.filter((p) => p.field === 'key').map((p) => p.value))];
    if (keys.length > 1) {
      // Several masks of one key are still just a masked page.
      if (keys.every((k) => K.validateKey(k) && K.validateKey(k).code === 'masked')) {
        return result('license_masked', updatePending ? MSG.maskedUpdate : MSG.masked, base);
      }
      return result('unknown_layout', MSG.twoKeys, base);
    }
    if (keys.length === 0) {
      const infoMasked = pairs.some((p) => p.field === 'keyInfo');
      if (robotCheck || infoMasked) return result('license_masked', updatePending ? MSG.maskedUpdate : MSG.masked, base);
      return result('unknown_layout', MSG.noKeyLabel, base);
    }
    // A robot check still on the page means the key shown is not the
    // revealed one, whatever CSS makes it look like.
    if (robotCheck) return result('license_masked', updatePending ? MSG.maskedUpdate : MSG.masked, base);
    const key = keys[0];
    const problem = K.validateKey(key);
    if (problem && problem.code === 'masked') {
      return result('license_masked', updatePending ? MSG.maskedUpdate : MSG.masked, base);
    }
    if (!oneRun(key, snap.runs)) return result('unknown_layout', MSG.keyPieces, base);
    base.keyLast4 = problem ? '' : K.keyLast4(key);
    if (updatePending && !(opts && opts.declineUpdate)) return result('license_update_pending', MSG.update, base);
    if (pairs.some((p) => p.field === 'key' && p.continued)) return result('unknown_layout', MSG.keySplit, Object.assign(base, { keyLast4: '' }));
    if (problem) return result('license_revealed', [problem.message, problem.messageEn], Object.assign(base, { keyProblem: problem.code }));
    const unread = pairs.some((p) => p.field === 'keyInfo' && /末尾/.test(p.value.normalize('NFKC')) &&
      !T.parseLast4(p.value) && !T.last4Masked(p.value));
    if (unread) return result('license_revealed', MSG.last4Unread, base);
    const mismatch = pageLast4.find((l4) => l4 !== base.keyLast4);
    if (mismatch) return result('license_revealed', MSG.last4Page(mismatch, base.keyLast4), base);
    if (distinct(pairs, 'appName').length > 1 || distinct(pairs, 'developer').length > 1) {
      return result('unknown_layout', MSG.twoNames, base);
    }
    if (!fields.appName) return result('unknown_layout', MSG.noAppName, base);
    return Object.assign(result('license_revealed', null, base), { capturable: true, key });
  }

  // checkAgainstListing compares a capturable detection with the last
  // アプリ一覧 seen. A row flagged 更新あり while the page shows no update is
  // refused: either the page hides its update control from us, or the
  // update is done and the list is stale, which reopening アプリ一覧 fixes.
  // It returns null or a refusal {reason, reasonEn}.
  function checkAgainstListing(det, listing) {
    if (!det || !det.capturable || !listing || !Array.isArray(listing.rows)) return null;
    const f = det.fields || {};
    if (listing.shop && listing.shop.id && f.shop && f.shop.id && listing.shop.id !== f.shop.id) return null;
    let rows = listing.rows.filter((r) => T.sameName(r.app_name, f.appName));
    const byDev = rows.filter((r) => T.sameName(r.developer, f.developer));
    if (byDev.length) rows = byDev;
    // A row that said 更新あり when アプリ一覧 was last seen may be stale: the
    // operator usually updates right after. The page itself decides whether an
    // update is pending, and the key may have changed, so such rows are not
    // compared. (Capturing before an update is harmless: the old key keeps
    // working, and the capture after the update supersedes it.)
    rows = rows.filter((r) => r.key_last4 && !r.update_pending);
    if (!rows.length || rows.some((r) => r.key_last4 === det.keyLast4)) return null;
    const m = MSG.last4List(rows[0].key_last4, det.keyLast4);
    return { reason: m[0], reasonEn: m[1] };
  }

  const api = { classify, checkAgainstListing };
  if (typeof module === 'object' && module.exports) module.exports = api;
  else (root.keyrelay = root.keyrelay || {}).classify = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
