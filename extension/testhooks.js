// Test-only service worker entry (docs/TESTING.md). The browser tests load
// a copy of the extension whose manifest points background.service_worker
// here; this file defines the hook installer and then runs the real
// background.js, which hands it its capture, detect, state and set-port
// functions. manifest.json never names this file and `make extension`
// leaves it out, so the extension as shipped (or loaded unpacked from the
// repo) has no keyrelay* functions on its service worker's global scope.
'use strict';

globalThis.keyrelayTestHooks = (api) => {
  globalThis.keyrelayCapture = (tabId) => api.capture(tabId);
  globalThis.keyrelayDetect = (tabId) => api.detect(tabId);
  globalThis.keyrelayState = () => api.state();
  globalThis.keyrelaySetPort = (port) => api.setPort(port);
};

importScripts('background.js');
