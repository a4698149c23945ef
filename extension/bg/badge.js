// The action badge: one glance tells the operator whether keyrelay can send.
(function (root) {
  'use strict';

  const i18n = (k, fallback) => {
    try { return chrome.i18n.getMessage(k) || fallback; } catch (e) { return fallback; }
  };

  // badgeFor picks the one thing that matters most right now.
  function badgeFor(s) {
    if (!s.paired) return { text: '?', color: '#e67e22', title: i18n('badgePairing', 'ペアリングが必要です') };
    if (s.connection === 'connecting') return { text: '…', color: '#7f8c8d', title: i18n('badgeConnecting', 'ヘルパーに接続中') };
    if (s.connection !== 'authenticated') return { text: '×', color: '#7f8c8d', title: i18n('badgeHelperDown', 'keyrelayヘルパーが起動していません') };
    if (s.warn) return { text: '!', color: '#c0392b', title: i18n('badgeWarn', '要対応の項目があります（アップデート待ちなど）') };
    if (s.sent) return { text: '✓', color: '#27ae60', title: i18n('badgeSent', '送信しました') };
    return { text: '', color: '#27ae60', title: i18n('badgeOk', 'keyrelay: 接続済み') };
  }

  let last = '';
  function applyBadge(s) {
    const b = badgeFor(s);
    const sig = JSON.stringify(b);
    if (sig === last) return;
    last = sig;
    const a = chrome.action;
    if (!a) return;
    Promise.all([
      a.setBadgeText({ text: b.text }),
      a.setBadgeBackgroundColor({ color: b.color }),
      a.setTitle({ title: b.title }),
    ]).catch(() => { last = ''; });
  }

  (root.keyrelay = root.keyrelay || {}).badge = { badgeFor, applyBadge };
})(globalThis);
