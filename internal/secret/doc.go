// Package secret seals keyrelay's secrets at rest (license keys, pairing
// secrets, GoQ passwords) with AES-256-GCM under one random 32-byte data key.
//
// The data key lives in the OS keyring (service "keyrelay", user
// "datakey-<hash of the absolute data dir>", so two data dirs never share a
// key) or, when no keyring is usable, in the 0600 file <datadir>/data.key.
// The helper chooses with the KEYRELAY_KEYRING environment variable, which it
// reads and passes to Open as mode:
//
//	auto     keyring, else the file (the default; the fallback is reported
//	         through Sealer.FallbackReason so the helper can say so at start)
//	keyring  keyring only; an error when it is unusable
//	file     file only
//
// Once a data dir has a data.key, auto keeps using it: mixing two keys would
// leave some rows unreadable. For the same reason, once the key is in the
// keyring (recorded by the marker file data.key.keyring, which holds no
// secret), auto refuses to start rather than silently make a second key when
// the keyring is unavailable.
package secret
