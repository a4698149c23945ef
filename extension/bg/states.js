// The one state model (docs/STATES.md): each state's badge, popup line and
// options line, in priority order (the first row that applies sets the
// badge). node --test checks this table against
// internal/keyrelay/testdata/states.json, which the Go tests read too.
(function (root) {
  'use strict';

  const PROTOCOL = 1;

  const STATES = [
    { id: "queued", badge: "↑", color: '#e67e22',
      popup: { ja: "送信待ち: ヘルパーにつながると自動で送ります（ブラウザは閉じないでください）。", en: "Queued: sent when the helper is reachable (keep the browser open)." },
      options: { ja: "", en: "" } },
    { id: "helper_unreachable", badge: "×", color: '#7f8c8d',
      popup: { ja: "keyrelayヘルパーが起動していません。起動するには: {start}", en: "The keyrelay helper is not running. Start it with: {start}" },
      options: { ja: "ポート{port}で何も応答しません。ヘルパーを起動してください: {start}", en: "Nothing answers on port {port}. Start the helper: {start}" } },
    { id: "port_other", badge: "×", color: '#7f8c8d',
      popup: { ja: "ポート{port}ではkeyrelay以外のプログラムが応答しています。オプションでポート番号を確認してください。", en: "A program other than keyrelay answers on port {port}. Check the port in the options." },
      options: { ja: "ポート{port}ではkeyrelay以外のプログラムが応答しています。ヘルパーの --addr と同じポート番号にしてください。", en: "A program other than keyrelay answers on port {port}. Use the same port as the helper's --addr." } },
    { id: "version_mismatch", badge: "×", color: '#7f8c8d',
      popup: { ja: "ヘルパー（{version}、プロトコル{protocol}）とこの拡張機能（プロトコル{want}）の版が合いません。両方を更新してください。", en: "The helper ({version}, protocol {protocol}) and this extension (protocol {want}) do not match. Update both." },
      options: { ja: "ヘルパー（{version}、プロトコル{protocol}）とこの拡張機能（プロトコル{want}）の版が合いません。両方を更新してください。", en: "The helper ({version}, protocol {protocol}) and this extension (protocol {want}) do not match. Update both." } },
    { id: "origin_refused", badge: "×", color: '#7f8c8d',
      popup: { ja: "ヘルパーがこの拡張機能（{origin}）からの接続を拒否しました。配布元の拡張機能を使ってください。", en: "The helper refuses this extension ({origin}). Use the extension as distributed." },
      options: { ja: "ヘルパーがこの拡張機能（{origin}）からの接続を拒否しました。配布元の拡張機能を使ってください。", en: "The helper refuses this extension ({origin}). Use the extension as distributed." } },
    { id: "pairing_revoked", badge: "?", color: '#e67e22',
      popup: { ja: "このブラウザのペアリングは取り消されたか、ヘルパーに登録がありません。キーは送信していません。オプションの「再ペアリング」を押してください。", en: "This browser's pairing was revoked or is unknown to the helper. No key was sent. Press 再ペアリング (re-pair) in the options." },
      options: { ja: "ペアリングが取り消されたか、ヘルパーに登録がありません。下の「再ペアリング」を押してください。", en: "The pairing was revoked or is unknown to the helper. Press 再ペアリング (re-pair) below." } },
    { id: "pairing_pending", badge: "?", color: '#e67e22',
      popup: { ja: "ペアリングコード {code} を承認してください: トレイの「ペアリングを承認…」、またはコマンド keyrelay pair approve {code}", en: "Approve pairing code {code}: the tray's ペアリングを承認… (Approve pairing…), or the command keyrelay pair approve {code}" },
      options: { ja: "ペアリングコード {code} の承認待ちです。", en: "Waiting for pairing code {code} to be approved." } },
    { id: "needs_attention", badge: "!", color: '#c0392b',
      popup: { ja: "要対応: GoQSystemに届けられませんでした。{quote}履歴ページで理由を確認し、再送してください。", en: "Needs attention: not delivered to GoQSystem. {quote}See the history page for why, then retry." },
      options: { ja: "", en: "" } },
    { id: "waiting_login", badge: "!", color: '#c0392b',
      popup: { ja: "GoQログイン待ち: GoQSystemにはまだ送っていません。履歴ページのGoQ設定でこの店舗のログインを登録してください。", en: "Waiting for a GoQ login: not sent to GoQSystem yet. Add this shop's login on the history page's GoQ設定." },
      options: { ja: "", en: "" } },
    { id: "waiting_browser", badge: "!", color: '#c0392b',
      popup: { ja: "ブラウザ待ち: GoQSystemにはまだ反映していません。キーを取得したブラウザでGoQにログインしてください（GoQタブで反映、docs/GOQ-BROWSER.md）。", en: "Waiting for the browser: not in GoQSystem yet. Log in to GoQ in the browser that captured the key (GoQ tab delivery)." },
      options: { ja: "", en: "" } },
    { id: "waiting_account", badge: "!", color: '#c0392b',
      popup: { ja: "GoQアカウント待ち: GoQSystemにはまだ反映していません。GoQタブのアカウントがこのショップのGoQアカウントではないか、確認できません。GoQにこのショップのアカウントでログインするか、アカウントを確認してください。", en: "Waiting for the GoQ account: not in GoQSystem yet. The GoQ tab is not logged in to this shop's GoQ account, or the account cannot be checked. Log in to GoQ with this shop's account, or confirm the account." },
      options: { ja: "", en: "" } },
    { id: "alert", badge: "!", color: '#c0392b',
      popup: { ja: "{message}", en: "{message}" },
      options: { ja: "", en: "" } },
    { id: "stored", badge: "…", color: '#2980b9',
      popup: { ja: "ヘルパーに保存済み。GoQSystemへの配信を待っています。", en: "Stored by the helper; waiting to be delivered to GoQSystem." },
      options: { ja: "", en: "" } },
    { id: "in_progress", badge: "…", color: '#2980b9',
      popup: { ja: "GoQSystemへ配信中です。", en: "Delivering to GoQSystem." },
      options: { ja: "", en: "" } },
    { id: "delivered", badge: "✓", color: '#27ae60',
      popup: { ja: "GoQSystemに保存し、保存されたことを確認しました。", en: "Saved to GoQSystem and verified." },
      options: { ja: "", en: "" } },
    { id: "already_current", badge: "✓", color: '#27ae60',
      popup: { ja: "GoQSystemには既にこのキーが登録されていました（確認済み）。", en: "GoQSystem already held this key (verified)." },
      options: { ja: "", en: "" } },
    { id: "superseded", badge: "", color: '#27ae60',
      popup: { ja: "より新しいキーが取得されたため、このキーは送りませんでした。", en: "A newer key was captured, so this one was not sent." },
      options: { ja: "", en: "" } },
    { id: "connected", badge: "", color: '#27ae60',
      popup: { ja: "ヘルパーに接続しています。", en: "Connected to the helper." },
      options: { ja: "ヘルパーに接続しています（ペアリング済み）。", en: "Connected to the helper (paired)." } },
  ];
  const byId = Object.fromEntries(STATES.map((s) => [s.id, s]));

  // fill replaces {name} with vars[name]; a missing value becomes ''.
  const fill = (tpl, vars) => String(tpl || '').replace(/\{(\w+)\}/g, (_, k) => (vars && vars[k] != null ? String(vars[k]) : ''));

  // deliveryState maps what the extension knows of one capture to a row:
  // the helper's delivery status once pushed, else our own.
  function deliveryState(c) {
    const s = (c && (c.delivery || c.status)) || '';
    if (s === 'pending' || s === 'in_progress') return 'in_progress';
    if (s === 'sending') return 'queued';
    return byId[s] ? s : (s === 'rejected' ? 'rejected' : 'stored');
  }

  // connectionState is the connection and pairing row: authenticated, a
  // pairing code shown, a refused stored pairing, or what the hello probe
  // found when the WebSocket failed. null while a first attempt is under way.
  function connectionState(v) {
    if (v.connection === 'authenticated') return 'connected';
    if (v.pairingCode) return 'pairing_pending';
    if (v.pairingUnknown) return 'pairing_revoked';
    if (v.diagnosis && byId[v.diagnosis.cause]) return v.diagnosis.cause;
    return null;
  }

  // latestPerApp keeps this browser's newest capture of each shop and app.
  function latestPerApp(captures) {
    const seen = new Set();
    const out = [];
    for (const c of [...(captures || [])].sort((a, b) => String(b.at).localeCompare(String(a.at)))) {
      const k = (c.shop_id || c.shop_name || '') + '\u0000' + (c.app_name || '');
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(c);
    }
    return out;
  }

  // present is the whole presentation of a state view {connection,
  // pairingCode, pairingUnknown, diagnosis, captures, alerts, port}: the
  // badge row and the connection row.
  function present(v) {
    const conn = connectionState(v);
    const applies = new Set();
    if (conn) applies.add(conn);
    for (const c of v.captures || []) if (['queued', 'sending'].includes(c.status)) applies.add('queued');
    for (const c of latestPerApp(v.captures)) applies.add(deliveryState(c));
    if ((v.alerts || []).length > 0) applies.add('alert');
    const top = STATES.find((s) => applies.has(s.id)) || null;
    return { badgeState: top ? top.id : '', badge: top ? top.badge : '', color: top ? top.color : '#27ae60', conn };
  }

  function startCommand(platform) {
    if (/win/i.test(platform || '')) return 'keyrelay.exe run（または スタートメニューの keyrelay）';
    if (/mac/i.test(platform || '')) return 'keyrelay run（または アプリケーションの keyrelay）';
    return 'keyrelay run';
  }

  // line is a row's words for a surface ('popup' or 'options') in one
  // language.
  function line(id, surface, lang, vars) {
    const s = byId[id];
    if (!s) return '';
    return fill(s[surface][lang === 'en' ? 'en' : 'ja'], vars);
  }

  const api = { STATES, PROTOCOL, byId, fill, deliveryState, connectionState, latestPerApp, present, startCommand, line };
  if (typeof module === 'object' && module.exports) module.exports = api;
  (root.keyrelay = root.keyrelay || {}).states = api;
})(globalThis);
