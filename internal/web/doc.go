// Package web is keyrelay's history page and the rest of its HTTP surface:
// server-rendered pages (Japanese first, English on request) over the
// keyrelay services, the one-time login that turns a token from
// `keyrelay open` into a session cookie, and the checks every request passes
// (Host allowlist, security headers, CSRF on every POST).
package web
