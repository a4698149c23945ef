// The one WebSocket to the helper (docs/PROTOCOL.md). Nothing but this file
// writes to the socket. The helper must prove it holds the pairing secret
// (server_proof) before this client sends anything beyond auth_begin.
(function (root) {
  'use strict';

  const P = root.keyrelay.proof;
  const S = root.keyrelay.store;

  const HELLO_TIMEOUT_MS = 5000;
  const AUTH_TIMEOUT_MS = 10000;
  const REQUEST_TIMEOUT_MS = 10000;
  const PING_EVERY_MS = 20000;
  const SILENCE_LIMIT_MS = 65000; // the helper pings every 20 s
  const CLAIM_EVERY_MS = 20000;
  const PAIR_REJECT_GRACE_MS = 1500;
  const BACKOFF_MAX_MS = 60000;

  function clientName() {
    const ua = (root.navigator && navigator.userAgent) || '';
    const m = /(Firefox|Edg|Chrome)\/(\d+)/.exec(ua);
    const browser = m ? `${m[1] === 'Edg' ? 'Edge' : m[1]} ${m[2]}` : 'Browser';
    const os = /Windows/.test(ua) ? 'Windows' : /Mac OS/.test(ua) ? 'macOS' : /CrOS/.test(ua) ? 'ChromeOS' : /Linux/.test(ua) ? 'Linux' : '';
    return os ? `${browser} / ${os}` : browser;
  }

  // Auth refusals that mean "this helper does not know our pairing". Only the
  // real helper could say that truthfully, and a squatter says it to steer us
  // into pairing with it: keep the pairing and leave re-pairing to the operator.
  const PAIRING_UNKNOWN = new Set(['unknown_client', 'pairing_only', 'pairing_rejected']);

  const conn = {
    state: 'disconnected', // disconnected | connecting | pairing | authenticated
    pairingCode: '',
    // The helper on the port refused our stored pairing; cleared by auth_ok
    // or by the operator's 再ペアリング.
    pairingUnknown: false,
    // diagnosis is what the hello probe found after the WebSocket failed
    // ({cause, vars}, docs/STATES.md); cleared as soon as the cause ends.
    diagnosis: null,
    lastError: '',
    lastErrorEn: '',
    ws: null,
    attempt: 0,
    retryTimer: null,
    nextId: 1,
    authWaiters: [],
    hooks: { change() {}, authenticated() {}, push() {}, inFlight: () => false },

    setState(s) {
      if (this.state === s) return;
      this.state = s;
      if (s === 'authenticated') {
        const w = this.authWaiters; this.authWaiters = [];
        w.forEach((f) => f(true));
      }
      this.hooks.change();
    },

    setError(ja, en) {
      this.lastError = ja || '';
      this.lastErrorEn = en || '';
      this.hooks.change();
    },

    // connect opens the socket unless one is open or opening.
    async connect() {
      if (this.ws || this.connecting) return;
      this.connecting = true;
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      let port;
      try { port = await S.getPort(); } finally { this.connecting = false; }
      if (this.ws) return;
      this.setState('connecting');
      let ws;
      try {
        ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
      } catch (e) {
        this.setError('keyrelayヘルパーに接続できません。', 'Cannot connect to the keyrelay helper.');
        this.setState('disconnected');
        this.scheduleReconnect();
        return;
      }
      this.ws = ws;
      // Per-connection state; replies waited for die with their socket.
      // pairAsked / pairClientId: what this connection asked for in pairing;
      // a pair_approved is taken only as the answer to that.
      const sess = {
        phase: 'hello', serverNonce: '', clientNonce: '', authId: '', creds: null, lastSeen: Date.now(), waiting: new Map(),
        pairAsked: false, pairClientId: '', frames: Promise.resolve(),
      };
      ws.__sess = sess;
      sess.timer = setTimeout(() => this.drop(ws, 'helper did not finish the handshake in time'), HELLO_TIMEOUT_MS);
      ws.onmessage = (ev) => {
        sess.lastSeen = Date.now();
        // One frame at a time, in order: handlers await storage and crypto,
        // and a pair_approved must not overtake the pair_pending before it.
        sess.frames = sess.frames
          .then(() => this.onFrame(ws, sess, ev.data))
          .catch((e) => this.drop(ws, 'frame handling failed: ' + (e && e.message)));
      };
      ws.onclose = () => this.onClose(ws, sess);
      ws.onerror = () => {}; // onclose follows and does the work
    },

    // diagnose asks the hello probe why no keyrelay hello came.
    async diagnose() {
      const pr = root.keyrelay.probe;
      if (!pr) return;
      let d;
      try {
        d = await pr.probe(await S.getPort());
      } catch (e) {
        return;
      }
      if (this.state === 'authenticated' || this.state === 'pairing') return; // things moved on
      this.setDiagnosis(d.cause === 'ok' ? null : d);
    },

    setDiagnosis(d) {
      this.diagnosis = d;
      this.hooks.change();
    },

    // reconnectNow drops any socket and connects at once (port change,
    // re-pairing, pairing approved).
    reconnectNow() {
      this.attempt = 0;
      this.diagnosis = null;
      const ws = this.ws;
      if (ws) {
        this.ws = null;
        this.cleanup(ws);
        try { ws.close(1000); } catch (e) { /* already closed */ }
        this.setState('disconnected');
      }
      return this.connect();
    },

    scheduleReconnect() {
      if (this.retryTimer || this.ws) return;
      const base = Math.min(BACKOFF_MAX_MS, 1000 * 2 ** Math.min(this.attempt, 10));
      const delay = Math.round(base * (0.5 + Math.random())); // jitter: no thundering herd of restarted browsers
      this.attempt++;
      this.retryTimer = setTimeout(() => { this.retryTimer = null; this.connect(); }, delay);
    },

    drop(ws, why) {
      if (why) console.warn('keyrelay: closing helper connection:', why);
      try { ws.close(4000); } catch (e) { /* already closed */ }
    },

    cleanup(ws) {
      const s = ws.__sess;
      if (s) { clearTimeout(s.timer); clearInterval(s.pingTimer); clearInterval(s.claimTimer); }
      if (!s) return;
      for (const [, w] of s.waiting) { clearTimeout(w.timer); w.reject(Object.assign(new Error('connection closed'), { code: 'closed' })); }
      s.waiting.clear();
    },

    onClose(ws, sess) {
      this.cleanup(ws);
      if (this.ws !== ws) return;
      this.ws = null;
      if (sess.phase === 'hello' && !sess.diagnosed) this.diagnose();
      this.setState('disconnected');
      if (sess.reconnectNow) { this.attempt = 0; this.connect(); } else this.scheduleReconnect();
    },

    send(ws, msg) {
      ws.send(JSON.stringify(Object.assign({ v: 1 }, msg)));
    },

    newId() { return String(this.nextId++); },

    // post sends an authenticated message that has no reply (goq_result,
    // goq_ready); false when there is no authenticated socket.
    post(msg) {
      const ws = this.ws;
      if (!ws || this.state !== 'authenticated' || !ws.__sess || ws.__sess.phase !== 'ready' || !ws.__sess.serverVerified) return false;
      try {
        this.send(ws, msg);
        return true;
      } catch (e) {
        return false;
      }
    },

    // request sends an authenticated message and resolves with the reply
    // that carries its id as ref (an error reply rejects with its code).
    request(msg, timeoutMs) {
      const ws = this.ws;
      // Nothing (least of all a capture) goes to a helper that has not
      // proved our pairing secret on this very socket.
      if (!ws || this.state !== 'authenticated' || !ws.__sess || ws.__sess.phase !== 'ready' || !ws.__sess.serverVerified) {
        return Promise.reject(Object.assign(new Error('not connected'), { code: 'not_connected' }));
      }
      const id = this.newId();
      const waiting = ws.__sess.waiting;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(Object.assign(new Error('helper did not answer in time'), { code: 'timeout' }));
        }, timeoutMs || REQUEST_TIMEOUT_MS);
        waiting.set(id, { resolve, reject, timer });
        try {
          this.send(ws, Object.assign({}, msg, { id }));
        } catch (e) {
          clearTimeout(timer);
          waiting.delete(id);
          reject(Object.assign(new Error('send failed'), { code: 'not_connected' }));
        }
      });
    },

    // whenAuthenticated resolves true once authenticated, false after ms.
    whenAuthenticated(ms) {
      if (this.state === 'authenticated') return Promise.resolve(true);
      return new Promise((resolve) => {
        const t = setTimeout(() => { this.authWaiters = this.authWaiters.filter((f) => f !== done); resolve(false); }, ms);
        const done = (ok) => { clearTimeout(t); resolve(ok); };
        this.authWaiters.push(done);
      });
    },

    async onFrame(ws, sess, data) {
      if (this.ws !== ws) return;
      let msg;
      try { msg = JSON.parse(data); } catch (e) { msg = null; }
      if (!msg || typeof msg !== 'object' || msg.v !== 1 || typeof msg.type !== 'string') {
        if (sess.phase === 'hello' && msg && typeof msg === 'object' && msg.type === 'hello' && msg.app === 'keyrelay') {
          sess.diagnosed = true;
          this.setDiagnosis({ cause: 'version_mismatch', vars: { version: String(msg.version || ''), protocol: msg.v, want: 1 } });
        }
        if (sess.phase === 'hello') return this.drop(ws, 'first frame is not a keyrelay hello');
        return; // ignore junk after the handshake; the helper is authenticated
      }
      switch (sess.phase) {
        case 'hello': return this.onHello(ws, sess, msg);
        case 'challenge': return this.onChallenge(ws, sess, msg);
        case 'auth': return this.onAuthReply(ws, sess, msg);
        case 'pairing': return this.onPairing(ws, sess, msg);
        case 'ready': return this.onReady(ws, sess, msg);
      }
    },

    async onHello(ws, sess, msg) {
      // Anything that is not our helper gets nothing: not even a pair_request.
      if (msg.type !== 'hello' || msg.app !== 'keyrelay' || typeof msg.server_nonce !== 'string' || !msg.server_nonce) {
        this.setError('ポートで応答したのはkeyrelayヘルパーではありません。ポート番号を確認してください。',
          'Something other than the keyrelay helper answered on the port. Check the port number.');
        this.setDiagnosis({ cause: 'port_other', vars: { port: await S.getPort() } });
        sess.phase = 'refused';
        return this.drop(ws, 'not a keyrelay helper');
      }
      sess.serverNonce = msg.server_nonce;
      sess.mode = msg.mode;
      if (this.diagnosis) this.setDiagnosis(null); // a keyrelay helper answers: the cause has ended
      clearTimeout(sess.timer);
      const creds = await S.getCreds();
      if (this.ws !== ws) return;
      if (creds) {
        sess.creds = creds;
        sess.clientNonce = P.randomNonce();
        sess.authId = this.newId();
        sess.phase = 'challenge';
        sess.timer = setTimeout(() => this.drop(ws, 'authentication timed out'), AUTH_TIMEOUT_MS);
        this.send(ws, { type: 'auth_begin', id: sess.authId, client_id: creds.client_id, client_nonce: sess.clientNonce });
        return;
      }
      sess.phase = 'pairing';
      await this.pairOrClaim(ws, sess);
    },

    async pairOrClaim(ws, sess) {
      const pending = await S.getPending();
      if (this.ws !== ws) return;
      if (pending && pending.client_id && pending.claim_token && !(pending.expires_at && Date.parse(pending.expires_at) < Date.now())) {
        this.pairingCode = pending.code || '';
        sess.pairAsked = true;
        sess.pairClientId = pending.client_id;
        this.send(ws, { type: 'pair_claim', id: this.newId(), client_id: pending.client_id, claim_token: pending.claim_token });
      } else {
        await S.setPending(null);
        if (this.ws !== ws) return;
        sess.pairAsked = true;
        sess.pairClientId = ''; // set by the pair_pending that answers
        this.send(ws, { type: 'pair_request', id: this.newId(), client_name: clientName() });
      }
      this.setState('pairing');
    },

    async onChallenge(ws, sess, msg) {
      if (msg.type === 'error') return this.onAuthError(ws, sess, msg);
      if (msg.type !== 'auth_challenge') return this.drop(ws, 'expected auth_challenge, got ' + msg.type);
      const ok = await P.verifyServerProof(sess.creds.secret, sess.creds.client_id, sess.clientNonce, sess.serverNonce, msg.server_proof)
        .catch(() => false);
      if (this.ws !== ws) return;
      if (!ok) {
        // A squatter on the port, or a helper that lost our pairing: say
        // nothing more on this socket.
        this.setError('ヘルパーの認証に失敗しました（別のプログラムがポートを使っている可能性があります）。キーは送信していません。',
          'The helper failed to prove its identity (another program may be using the port). No key was sent.');
        sess.phase = 'refused';
        return this.drop(ws, 'server_proof did not verify');
      }
      sess.serverVerified = true;
      const proof = await P.clientProof(sess.creds.secret, sess.creds.client_id, sess.serverNonce, sess.clientNonce);
      if (this.ws !== ws) return;
      sess.phase = 'auth';
      this.send(ws, { type: 'auth', id: this.newId(), client_proof: proof });
    },

    async onAuthError(ws, sess, msg) {
      if (PAIRING_UNKNOWN.has(msg.code)) {
        // Either the helper lost this install (revoked, or a new data dir) or
        // something else squats on the port while the helper is down. We
        // cannot tell them apart, so we keep the pairing, send nothing (the
        // outbox waits), and retry with backoff: the real helper will know
        // us again. Re-pairing is the operator's 再ペアリング only.
        this.pairingUnknown = true;
        this.setError(
          'ヘルパーがこのブラウザのペアリングを認識していません。キーは送信していません（送信待ちのまま保持します）。' +
            'ヘルパーを再インストール・リセットした場合だけ、オプション画面の「再ペアリング」を押してください。' +
            'そうでない場合は、別のプログラムがポートを使っている可能性があります。',
          'The helper does not recognise this browser\'s pairing. No key was sent (queued captures are kept). ' +
            'Only if you reinstalled or reset the helper, press 再ペアリング (re-pair) on the options page. ' +
            'Otherwise another program may be using the port.');
        sess.phase = 'refused';
        return this.drop(ws, 'auth refused: ' + msg.code + ' (pairing kept; re-pairing needs the operator)');
      }
      this.setError(msg.message || '認証に失敗しました。', msg.message_en || 'Authentication failed.');
      sess.phase = 'refused';
      return this.drop(ws, 'auth error ' + msg.code);
    },

    async onAuthReply(ws, sess, msg) {
      if (msg.type === 'error') return this.onAuthError(ws, sess, msg);
      if (msg.type !== 'auth_ok') return this.drop(ws, 'expected auth_ok, got ' + msg.type);
      if (!sess.serverVerified) return this.drop(ws, 'auth_ok before server_proof');
      clearTimeout(sess.timer);
      sess.phase = 'ready';
      this.attempt = 0;
      this.pairingCode = '';
      this.pairingUnknown = false;
      this.setError('', '');
      sess.pingTimer = setInterval(() => {
        if (this.ws !== ws) return;
        if (Date.now() - sess.lastSeen > SILENCE_LIMIT_MS) return this.drop(ws, 'helper went silent');
        // Our own ping keeps the service worker alive while a capture or
        // delivery is in flight.
        if (this.hooks.inFlight()) this.send(ws, { type: 'ping', id: this.newId(), t: Date.now() });
      }, PING_EVERY_MS);
      this.setState('authenticated');
      this.hooks.authenticated();
    },

    async onPairing(ws, sess, msg) {
      switch (msg.type) {
        case 'pair_pending': {
          if (!sess.pairAsked || typeof msg.client_id !== 'string' || !msg.client_id ||
              (sess.pairClientId && msg.client_id !== sess.pairClientId)) {
            console.warn('keyrelay: ignored a pair_pending this connection did not ask for');
            return;
          }
          sess.pairClientId = msg.client_id;
          // A reply to pair_claim carries no claim_token: keep the one we hold.
          const old = (await S.getPending()) || {};
          const same = old.client_id === msg.client_id;
          await S.setPending({
            client_id: msg.client_id,
            claim_token: msg.claim_token || (same ? old.claim_token : ''),
            code: msg.code || (same ? old.code : ''),
            expires_at: msg.expires_at || (same ? old.expires_at : ''),
          });
          if (this.ws !== ws) return; // closed meanwhile: no poll timer to leak
          this.pairingCode = String(msg.code || '');
          this.setState('pairing');
          this.hooks.change();
          if (!sess.claimTimer) {
            // Poll with pair_claim: it also keeps the service worker alive
            // while the operator approves.
            sess.claimTimer = setInterval(async () => {
              if (this.ws !== ws) return;
              const p = await S.getPending();
              if (p) this.send(ws, { type: 'pair_claim', id: this.newId(), client_id: p.client_id, claim_token: p.claim_token });
            }, CLAIM_EVERY_MS);
          }
          return;
        }
        case 'pair_approved':
          // Only the answer to our own pair_request / pair_claim on this
          // connection, for the client id it gave us. Never log the secret.
          if (!sess.pairAsked || !sess.pairClientId || msg.client_id !== sess.pairClientId) {
            console.warn('keyrelay: ignored a pair_approved this connection did not ask for (client_id %s)', String(msg.client_id).slice(0, 80));
            return;
          }
          if (typeof msg.secret !== 'string' || !msg.secret) return this.drop(ws, 'bad pair_approved');
          if (await S.getCreds()) {
            console.warn('keyrelay: ignored a pair_approved while already paired');
            return;
          }
          if (this.ws !== ws) return;
          await S.setCreds(msg.client_id, msg.secret);
          await S.setPending(null);
          this.pairingCode = '';
          // Authenticate on a fresh connection: a new hello, a new nonce,
          // and full mode for an origin approved just now.
          sess.reconnectNow = true;
          return this.drop(ws);
        case 'error':
          if (msg.code === 'pairing_rejected') {
            // Our poll and the helper's own watcher may both claim one
            // approval: the loser is rejected just after the winner's
            // pair_approved. Give that a moment before asking anew.
            setTimeout(async () => {
              if (this.ws !== ws || sess.phase !== 'pairing' || (await S.getCreds())) return;
              await S.setPending(null);
              this.pairingCode = '';
              this.pairOrClaim(ws, sess);
            }, PAIR_REJECT_GRACE_MS);
            return;
          }
          if (msg.code === 'rate_limited') return;
          this.setError(msg.message || 'ペアリングに失敗しました。', msg.message_en || 'Pairing failed.');
          return;
        case 'ping':
          return this.send(ws, { type: 'pong', ref: msg.id, t: msg.t });
      }
    },

    onReady(ws, sess, msg) {
      if (msg.type === 'ping') {
        this.send(ws, { type: 'pong', ref: msg.id, t: msg.t });
        return;
      }
      if (typeof msg.ref === 'string' && sess.waiting.has(msg.ref)) {
        const w = sess.waiting.get(msg.ref);
        sess.waiting.delete(msg.ref);
        clearTimeout(w.timer);
        if (msg.type === 'error') {
          w.reject(Object.assign(new Error(msg.message_en || msg.code), { code: msg.code, message_ja: msg.message, message_en: msg.message_en }));
        } else {
          w.resolve(msg);
        }
        return;
      }
      this.hooks.push(msg);
    },
  };

  (root.keyrelay = root.keyrelay || {}).conn = conn;
})(globalThis);
