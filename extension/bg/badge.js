// The action badge: the first row of the state table (bg/states.js,
// docs/STATES.md) that applies to this browser right now.
(function (root) {
  'use strict';

  const lang = () => {
    try { return chrome.i18n.getMessage('lang') === 'en' ? 'en' : 'ja'; } catch (e) { return 'ja'; }
  };

  // badgeFor is the badge of a state view (see states.present), with the
  // row's popup line as its tooltip.
  function badgeFor(view, vars) {
    const St = root.keyrelay.states;
    const p = St.present(view);
    let title = 'keyrelay';
    if (p.badgeState === 'alert') title = St.fill('{message}', { message: (view.alerts[0] || {}).message || '' });
    else if (p.badgeState) title = St.line(p.badgeState, 'popup', lang(), vars);
    return { text: p.badge, color: p.color, title: 'keyrelay: ' + title, state: p.badgeState };
  }

  let last = '';
  function applyBadge(view, vars) {
    const b = badgeFor(view, vars);
    const sig = JSON.stringify(b);
    if (sig === last) return b;
    last = sig;
    const a = chrome.action;
    if (!a) return b;
    Promise.all([
      a.setBadgeText({ text: b.text }),
      a.setBadgeBackgroundColor({ color: b.color }),
      a.setTitle({ title: b.title }),
    ]).catch(() => { last = ''; });
    return b;
  }

  (root.keyrelay = root.keyrelay || {}).badge = { badgeFor, applyBadge };
})(globalThis);
