// Test-only service worker entry (docs/TESTING.md). The browser tests load
// a copy of the extension whose manifest points background.service_worker
// here; this file defines the hook installer and then runs the real
// background.js, which hands it its capture, detect, state, set-port, push
// and badge functions. manifest.json never names this file and `make extension`
// leaves it out, so the extension as shipped (or loaded unpacked from the
// repo) has no keyrelay* functions on its service worker's global scope.
'use strict';

globalThis.keyrelayTestHooks = (api) => {
  globalThis.keyrelayCapture = (tabId, declineUpdate) => api.capture(tabId, declineUpdate);
  globalThis.keyrelayDetect = (tabId) => api.detect(tabId);
  globalThis.keyrelayState = () => api.state();
  globalThis.keyrelaySetPort = (port) => api.setPort(port);
  globalThis.keyrelayPush = (msg) => api.push(msg);
  globalThis.keyrelayBadge = () => api.badge();
};

importScripts('background.js');
