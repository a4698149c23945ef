package keyrelay_test

import (
	"testing"

	"keyrelay/internal/keyrelay"
)

// TestAuditIsRefusal: refusals are rate limited (a hostile client can cause
// any number), actions are always recorded. An action classified as a
// refusal could be dropped from the audit log during a flood.
func TestAuditIsRefusal(t *testing.T) {
	refusals := []string{
		keyrelay.AuditHostRefused, keyrelay.AuditOriginRefused, keyrelay.AuditMessageRefused,
		keyrelay.AuditAuthFailed, keyrelay.AuditLoginRefused, keyrelay.AuditCSRFRefused,
		keyrelay.AuditRateLimited, keyrelay.AuditPeerRefused, keyrelay.AuditConnEvicted,
	}
	actions := []string{
		keyrelay.AuditAuthOK, keyrelay.AuditPairRequested, keyrelay.AuditPairApproved,
		keyrelay.AuditPairRevoked, keyrelay.AuditPairRenamed, keyrelay.AuditLogin,
		keyrelay.AuditSettingsSaved,
	}
	for _, k := range refusals {
		if !keyrelay.AuditIsRefusal(k) {
			t.Errorf("%s is a refusal", k)
		}
	}
	for _, k := range actions {
		if keyrelay.AuditIsRefusal(k) {
			t.Errorf("%s is an action, not a refusal", k)
		}
	}
}
