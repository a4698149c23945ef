// Content script on the two RMS hosts. It reads the page and answers the
// service worker; it never clicks, ticks or submits anything, and it never
// talks to the helper.
(function () {
  'use strict';
  // The service worker may inject this file again into a tab that was open
  // before the extension was installed or reloaded; listen only once.
  if (globalThis.__keyrelayContent) return;
  globalThis.__keyrelayContent = true;

  const kr = globalThis.keyrelay;

  function detect(opts) {
    const t0 = performance.now();
    const det = kr.classify.classify(kr.snapshot.snapshot(document), opts);
    det.pageUrl = location.href;
    det.parseMs = Math.round((performance.now() - t0) * 1000) / 1000;
    return det;
  }

  chrome.runtime.onMessage.addListener((msg, sender, sendResponse) => {
    // Only our own service worker talks to us (sender.tab is unset for it).
    if (!msg || sender.id !== chrome.runtime.id || sender.tab) return false;
    if (msg.type !== 'detect') return false;
    let det;
    try {
      det = detect({ declineUpdate: msg.declineUpdate === true });
    } catch (e) {
      det = {
        kind: 'unknown_layout', capturable: false,
        reason: 'ページの読み取り中にエラーが発生しました。キーは取得しません。',
        reasonEn: 'Reading the page failed; no key is taken. (' + (e && e.message) + ')',
      };
    }
    if (!msg.withKey) delete det.key;
    sendResponse(det);
    return false;
  });

  // アプリ一覧 feeds expiry tracking: send what the list shows (never a key,
  // only 末尾4桁), once per page load.
  function reportAppList() {
    let det;
    try { det = detect(); } catch (e) { return; }
    if (det.kind !== 'app_list') return;
    chrome.runtime.sendMessage({ type: 'app_list_seen', listing: det.listing }).catch(() => {});
  }
  if (document.readyState === 'complete') reportAppList();
  else addEventListener('load', reportAppList, { once: true });
})();
