//go:build demo

package goq

import (
	"maps"
	"slices"
)

// Names of the settings form's controls. Stored settings use the same names
// as keys. The client under test must not depend on them: it finds the key
// field by its visible label, and every markup uses these names so that one
// stored map serves all of them.
const (
	FieldShopURL        = "setting[shop_url]"
	FieldUserID         = "setting[user_id]"
	FieldLicenseKey     = "setting[rms_service_square_license_key]"
	FieldPayGetStatus   = "setting[rakuten_pay_get_status]"
	FieldPayStoreStatus = "setting[rakuten_pay_store_status]"
	FieldGetDays        = "setting[order_get_days]"
	FieldAutoGet        = "setting[auto_get_interval]"
	FieldGetDelay       = "setting[get_delay_minutes]"
	FieldMailNotify     = "setting[mail_notify]" // checkbox, "1" or ""
	FieldPointSync      = "setting[point_sync]"  // checkbox, "1" or ""
	FieldMemo           = "setting[memo]"        // textarea

	// Hidden and button fields: validated, not stored as settings.
	FieldCSRF        = "_csrf_token"
	FieldSettingID   = "setting_id"
	FieldLockVersion = "lock_version"
	FieldMallCode    = "mall_code"
	FieldSubmitNext  = "submit_next"
	FieldSubmitBack  = "submit_back"
	// FieldLegacyFTP is rendered disabled: a browser never sends it, so a
	// POST that contains it is rejected.
	FieldLegacyFTP = "setting[legacy_ftp_user]"
)

// LicenseKeyLabel is the visible label of the key field.
const LicenseKeyLabel = "RMS Service Square ライセンスキー"

// SaveButtonLabel is the text of the button that saves.
const SaveButtonLabel = "設定を保存して次へ進む"

type choice struct{ Value, Label string }

// Options of the select and radio fields, as GoQ lists them.
var (
	payGetStatusChoices = []choice{
		{"100", "注文確認待ち"}, {"200", "楽天処理中"}, {"300", "発送待ち"}, {"400", "変更確定待ち"},
		{"500", "発送済"}, {"600", "支払手続き中"}, {"700", "支払手続き済"}, {"800", "キャンセル確定待ち"},
		{"900", "キャンセル確定"},
	}
	payStoreStatusChoices = []choice{
		{"1", "新規受付"}, {"2", "確認待ち"}, {"3", "入金待ち"}, {"4", "発送待ち"}, {"5", "保留"},
	}
	autoGetChoices = []choice{
		{"0", "取得しない"}, {"30", "30分"}, {"60", "60分"}, {"120", "2時間"},
	}
	getDelayChoices = []choice{
		{"0", "受注後すぐに取得する"}, {"30", "受注後30分は取得しない"}, {"60", "受注後60分は取得しない"},
	}
	choicesOf = map[string][]choice{
		FieldPayGetStatus:   payGetStatusChoices,
		FieldPayStoreStatus: payStoreStatusChoices,
		FieldAutoGet:        autoGetChoices,
		FieldGetDelay:       getDelayChoices,
	}
	checkboxFields = []string{FieldMailNotify, FieldPointSync}
)

// OldKey is the key the default settings hold.
const OldKey = "SL100001_OLDkey0000000001"

// DefaultSettings returns the settings a new fake starts with. Several hold a
// value other than the first option, so a client that falls back to defaults
// is caught; the memo has CRLF line breaks, which is what a browser submits.
func DefaultSettings() map[string]string {
	return map[string]string{
		FieldShopURL:        "https://www.rakuten.co.jp/keyrelay-demo/",
		FieldUserID:         "",
		FieldLicenseKey:     OldKey,
		FieldPayGetStatus:   "100",
		FieldPayStoreStatus: "1",
		FieldGetDays:        "7",
		FieldAutoGet:        "30",
		FieldGetDelay:       "30",
		FieldMailNotify:     "1",
		FieldPointSync:      "",
		FieldMemo:           "楽天市場の受注取込設定\r\n担当: 山田 & 佐藤 <月初に確認>\r\n\"引用\" と 'quote'",
	}
}

// settingFields lists every stored field, in form order.
func settingFields() []string {
	return []string{FieldShopURL, FieldUserID, FieldLicenseKey, FieldPayGetStatus, FieldPayStoreStatus,
		FieldGetDays, FieldAutoGet, FieldGetDelay, FieldMailNotify, FieldPointSync, FieldMemo}
}

func isSettingField(name string) bool { return slices.Contains(settingFields(), name) }

func copySettings(m map[string]string) map[string]string { return maps.Clone(m) }
