// How the popup words a delivery's extra lines. The text is set with
// textContent by the caller, never as markup: GoQ's words come from a web
// page we do not control.
(function (root) {
  'use strict';

  const clean = (s) => String(s == null ? '' : s).replace(/\s+/g, ' ').trim();

  // quoteLine marks the destination's own words as its own, verbatim:
  // GoQの表示:「…」. Empty when GoQ said nothing.
  function quoteLine(quote, label) {
    const q = clean(quote);
    return q ? `${clean(label)}:「${q}」` : '';
  }

  // loginLine names the GoQ login that received (or refused) the key.
  function loginLine(loginId, label) {
    const l = clean(loginId);
    return l ? `${clean(label)}: ${l}` : '';
  }

  const api = { quoteLine, loginLine };
  if (typeof module === 'object' && module.exports) module.exports = api;
  else (root.keyrelay = root.keyrelay || {}).delivery = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
