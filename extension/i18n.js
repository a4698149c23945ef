// Fills data-i18n elements from _locales and picks the Japanese or English
// half of the helper's two-language messages to match.
(function (root) {
  'use strict';
  const msg = (k, subs) => (chrome.i18n && chrome.i18n.getMessage(k, subs)) || k;
  const isJa = () => msg('lang') !== 'en';
  function apply(doc) {
    for (const el of doc.querySelectorAll('[data-i18n]')) el.textContent = msg(el.dataset.i18n);
    for (const el of doc.querySelectorAll('[data-i18n-title]')) el.title = msg(el.dataset.i18nTitle);
    doc.documentElement.lang = isJa() ? 'ja' : 'en';
  }
  // pick returns the message in the UI's language, falling back to the other.
  const pick = (ja, en) => (isJa() ? ja || en : en || ja) || '';
  root.krI18n = { msg, isJa, apply, pick };
})(globalThis);
