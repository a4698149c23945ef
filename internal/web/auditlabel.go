package web

import "keyrelay/internal/keyrelay"

// auditKinds names each audit event kind in both UI languages; the stored
// kind stays the machine-readable key.
var auditKinds = map[string][2]string{
	keyrelay.AuditHostRefused:    {"ホスト名を拒否", "host refused"},
	keyrelay.AuditOriginRefused:  {"接続元を拒否", "origin refused"},
	keyrelay.AuditMessageRefused: {"メッセージを拒否", "message refused"},
	keyrelay.AuditAuthFailed:     {"認証失敗", "authentication failed"},
	keyrelay.AuditAuthOK:         {"認証成功", "authenticated"},
	keyrelay.AuditPairRequested:  {"ペアリング申請", "pairing requested"},
	keyrelay.AuditPairApproved:   {"ペアリング承認", "pairing approved"},
	keyrelay.AuditPairRevoked:    {"ペアリング取消", "pairing revoked"},
	keyrelay.AuditPairRenamed:    {"ペアリング名変更", "pairing renamed"},
	keyrelay.AuditLogin:          {"ログイン", "login"},
	keyrelay.AuditLoginRefused:   {"ログイン拒否", "login refused"},
	keyrelay.AuditCSRFRefused:    {"CSRF拒否", "CSRF refused"},
	keyrelay.AuditRateLimited:    {"回数制限", "rate limited"},
	keyrelay.AuditSettingsSaved:  {"設定を保存", "settings saved"},
}

// AuditKind is an audit event kind in the UI language; an unknown kind is
// shown as stored.
func (l lang) AuditKind(kind string) string {
	if m, ok := auditKinds[kind]; ok {
		return l.Pick(m[0], m[1])
	}
	return kind
}
