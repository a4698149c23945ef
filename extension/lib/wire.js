// wire builds what the service worker sends the helper (docs/PROTOCOL.md):
// a capture and an アプリ一覧 visit, held to the domain's limits (lib/limits.js,
// generated from internal/keyrelay/limits.go). Descriptive fields are cut
// with the same marker the helper uses (text.clip), so a long API
// description never costs the operator a key; the identity (shop, app name)
// is never cut: one that is too long is refused here, with a reason.
(function (root) {
  'use strict';

  const need = (name, file) => root.keyrelay && root.keyrelay[name] || (typeof require === 'function' ? require(file) : null);
  const L = need('limits', './limits.js');
  const T = need('text', './text.js');

  const str = (s) => String(s == null ? '' : s);
  const bytes = (s) => new TextEncoder().encode(s).length;
  // The envelope around a capture: {"v":1,"type":"capture","id":"<64>","capture":…}.
  const ENVELOPE = 128;

  // buildCapture turns a capturable detection into the wire capture.
  function buildCapture(det, captureId, capturedAt) {
    const f = det.fields || {};
    const shop = f.shop || {};
    const capture = {
      capture_id: captureId,
      captured_at: capturedAt,
      page_url: T.clip(det.pageUrl, L.max_page_url_len),
      shop: { id: str(shop.id), url: str(shop.url), name: str(shop.name) },
      app_name: str(f.appName),
      developer: T.clip(f.developer, L.max_developer_len),
      app_url: T.clip(f.appUrl, L.max_app_url_len),
      state: T.clip(f.state, L.max_state_len),
      expiry: T.clip(f.expiry, L.max_expiry_len) || '-',
      // 更新せずに取得: the operator declined RMS's update; the helper
      // keeps the update-pending alert.
      update_pending: !!det.updatePending,
      apis: [],
      key: det.key,
    };
    return fit(capture, (f.apis || []).slice(0, L.max_apis));
  }

  // fit fills capture.apis, cut to the limits, and makes the whole message
  // fit in one frame: API descriptions are shortened further, then the last
  // APIs dropped, until it does.
  function fit(capture, apis) {
    const fits = () => bytes(JSON.stringify(capture)) + ENVELOPE <= L.max_message_bytes;
    let desc = L.max_api_desc_len;
    for (;;) {
      capture.apis = apis.map((a) => ({ name: T.clip(a && a.name, L.max_api_name_len), description: T.clip(a && a.description, desc) }));
      if (fits() || desc <= 64) break;
      desc = Math.floor(desc / 2);
    }
    while (!fits() && capture.apis.length > 0) capture.apis.pop();
    return capture;
  }

  // identityProblem is why the helper would refuse capture whatever it
  // retried ({reason, reasonEn}), or null.
  function identityProblem(capture) {
    const too = [
      ['店舗ID', 'shop id', capture.shop.id, L.max_shop_id_len],
      ['店舗URL', 'shop URL', capture.shop.url, L.max_shop_url_len],
      ['店舗名', 'shop name', capture.shop.name, L.max_shop_name_len],
      ['アプリ名', 'app name', capture.app_name, L.max_app_name_len],
    ].find(([, , v, max]) => bytes(v) > max);
    if (!too) return null;
    return {
      reason: `ページの${too[0]}が長すぎます（${too[3]}バイトまで）。どのアプリのキーか確かめられないため、送信しません。`,
      reasonEn: `The page's ${too[1]} is too long (at most ${too[3]} bytes), so the key's app cannot be pinned down. Nothing is sent.`,
    };
  }

  // cleanListing is an アプリ一覧 visit as sent: at most max_app_rows rows,
  // only the last 4 of a key, an expiry that is not a date sent as "-" (the
  // helper does the same), descriptive fields cut.
  function cleanListing(l, pageUrl, seenAt) {
    const rows = Array.isArray(l && l.rows) ? l.rows.slice(0, L.max_app_rows) : [];
    const shop = (l && l.shop) || {};
    return {
      // The shop is identity: never cut (the helper refuses a listing whose shop is too long).
      shop: { id: str(shop.id), url: str(shop.url), name: str(shop.name) },
      page_url: T.clip(pageUrl, L.max_page_url_len),
      seen_at: seenAt,
      rows: rows.map((r) => ({
        developer: T.clip(r.developer, L.max_developer_len),
        app_name: T.clip(r.app_name, L.max_app_name_len),
        key_last4: Array.from(str(r.key_last4)).slice(0, L.max_last4_len).join(''),
        expiry: T.parseRMSDate(r.expiry) ? T.clip(r.expiry, L.max_expiry_len) : '-',
        state: T.clip(r.state, L.max_state_len),
        update_pending: !!r.update_pending,
      })),
    };
  }

  const api = { buildCapture, identityProblem, cleanListing };
  if (typeof module === 'object' && module.exports) module.exports = api;
  else (root.keyrelay = root.keyrelay || {}).wire = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
