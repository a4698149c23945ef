//go:build demo

package rms

import (
	"time"

	"keyrelay/internal/keyrelay"
)

// Shop is the shop the fake RMS is logged in as; every page's header shows it.
type Shop struct {
	ID   string // 店舗ID, e.g. "123456"
	URL  string // 店舗URL, e.g. "https://www.rakuten.co.jp/example/"
	Name string // 店舗名
}

// API is one row of アプリが利用するAPIリスト.
type API struct {
	Name        string
	Description string
}

// Update is an アップデートする waiting for the operator. Applying it appends
// NewAPIs and replaces the key with NewKey, as RMS does when an app gains APIs.
type Update struct {
	NewAPIs []API
	NewKey  string
}

// App is one row of アプリ一覧 and its ライセンス情報 page.
type App struct {
	ID            string // path segment of its detail page
	ListDeveloper string // アプリ登録者 as アプリ一覧 shows it; "" = Developer
	Developer     string // システム開発企業 as the detail page shows it
	Name          string // アプリ名
	Summary       string // 概要
	URL           string // アプリURL
	Key           string // ライセンスキー, exactly as revealed
	Expiry        string // 有効期限: "-" or 2025/05/26
	State         string // 承認状態 without the update mark, e.g. 利用中
	APIs          []API
	Update        *Update // nil when the app is current
	// PastKeysLast4 are earlier keys, shown collapsed under
	// 過去の利用履歴 on some markups: a trap for a parser that grabs the
	// first key-like text it sees.
	PastKeysLast4 []string
}

// ListedState is the 状態 column of アプリ一覧: 「利用中 更新あり」 while an
// update waits.
func (a *App) ListedState() string {
	if a.Update != nil {
		return a.State + " 更新あり"
	}
	return a.State
}

func (a *App) listDeveloper() string {
	if a.ListDeveloper != "" {
		return a.ListDeveloper
	}
	return a.Developer
}

// Notification is one row of システムイベント通知サービスアクセス許可設定.
type Notification struct {
	Company string
	Service string
	Since   string // 利用開始日 as shown, 2014/10/06 09:00:00
	State   string
}

// App ids of DefaultOptions.
const (
	ShopApp = "shop" // 店舗様 (自社開発), classic SL key, dated expiry
	GoQApp  = "goq"  // 株式会社GoQSystem, Service Square key, no expiry, update pending
)

// Keys of DefaultOptions. Realistic shapes: a classic SL+shop id key and a
// longer Service Square key whose format RMS does not publish.
const (
	ShopAppKey     = "SL123456_k3Q9vX2mPz7LA9FR"
	GoQAppKey      = "SS1-2fA9kQ7xZ3mW8pR4tY6uE1oI5aS0dF2gH7jK9lBvN3cYp0wT8IANT"
	GoQUpdatedKey  = "SS1-7cH2nV5bX9zM4kJ6gF1dS3aP8oI0uY2tR5eW7qL9hB4vNm3xQ4ZE"
	LookalikeKey   = "SL999999_EvilEvilEvil1234" // what evil.example tries to plant
	goqDescription = "実際の店舗運営から使いやすさを追求したクラウド型(ASP)一元管理システムです。多店舗対応(楽天市場/Yahoo/Bidders/Amazon/電話/FAX)受注・商品・在庫・売上管理が1つのWebアプリケーションで管理できます。複数人アクセス可能。一括メール送信、送り状データ・伝票番号の戻しもコピー・ペーストなしのcsvで書き出し・取込が可能!商品データも対応モールに一括書き出しが行え、作業の効率化・時間短縮が図れます!ハンディーと連動し入出荷管理や、各モールのロイヤリティや利益計算も行えます。"
)

// SeedAPIs is the API list of the seed's revealed page.
var SeedAPIs = []API{
	{"cabinet.file.delete", "画像IDを指定して画像を削除フォルダに移動することができます。This function enables the transfer of the image into Deletion folder by specifying the image ID."},
	{"cabinet.file.insert", "画像ファイルを指定して画像を登録することができます。This function enables the registration of the image by specifying the image file."},
	{"cabinet.file.update", "画像IDを指定して画像情報を更新することができます。This function enables the update of the image information by specifying the image ID."},
	{"cabinet.files.search", "画像名を指定して画像を検索することができます。This function enables the search of the image by specifying the image name."},
	{"shop.category.update", "カテゴリ情報を更新することができます。This function enables the updates of category information."},
	{"shop.categorysets.get", "登録しているカテゴリセットの一覧を取得することができます。This function enables the acquisition of the registered category sets list."},
	{"shop.shopStatus.get", "特定のショップの移行状況や利用状況を確認できます。You can check the migration status and usage status of a specific shop."},
}

// SeedUpdateAPIs are the APIs the pending update adds (from the seed's third
// rendering).
var SeedUpdateAPIs = []API{
	{"cabinet.folder.files.get", "指定したフォルダ内の画像一覧を取得することができます。 This function enables the acquisition of the list of the images stored in the specified folder."},
	{"cabinet.folder.insert", "フォルダを作成することができます。 This function enables the creation of a folder."},
}

// DefaultOptions is the seed's shop: the 店舗様 row with a dated classic key
// and the GoQSystem row with no expiry and 「利用中 更新あり」.
func DefaultOptions() Options {
	return Options{
		Shop: Shop{ID: "123456", URL: "https://www.rakuten.co.jp/example/", Name: "サンプル店"},
		Apps: []App{
			{
				ID:        ShopApp,
				Developer: "店舗様",
				Name:      "(アプリ名を登録してください)",
				Summary:   "店舗様の自社開発アプリです。",
				URL:       "https://www.rakuten.co.jp/example/",
				Key:       ShopAppKey,
				Expiry:    "2025/05/26",
				State:     "利用中",
				APIs: []API{
					{"order.searchOrder", "受注情報を検索することができます。This function enables the search of orders."},
					{"order.getOrder", "受注情報を取得することができます。This function enables the acquisition of orders."},
				},
				PastKeysLast4: []string{"Q7PL"},
			},
			{
				ID:            GoQApp,
				ListDeveloper: "株式会社GoQSystem",
				Developer:     "株式会社GoQ System",
				Name:          "GoQ System (ごくシステム)",
				Summary:       goqDescription,
				URL:           "http://goqsystem.com/",
				Key:           GoQAppKey,
				Expiry:        "-",
				State:         "利用中",
				APIs:          append([]API(nil), SeedAPIs...),
				Update:        &Update{NewAPIs: append([]API(nil), SeedUpdateAPIs...), NewKey: GoQUpdatedKey},
			},
		},
		Notifications: []Notification{
			{"株式会社GoQSystem", "受注情報通知", "2014/10/06 09:00:00", "利用中"},
			{"株式会社GoQSystem", "問い合わせユーザアクション通知", "2024/04/04 11:00:00", "利用中"},
		},
		Variant: VariantTable,
	}
}

// DateIn renders the date days from now as RMS shows an expiry (JST).
func DateIn(now time.Time, days int) string {
	return keyrelay.FormatDate(now.In(keyrelay.JST).AddDate(0, 0, days))
}

func cloneApp(a App) App {
	a.APIs = append([]API(nil), a.APIs...)
	a.PastKeysLast4 = append([]string(nil), a.PastKeysLast4...)
	if a.Update != nil {
		u := *a.Update
		u.NewAPIs = append([]API(nil), u.NewAPIs...)
		a.Update = &u
	}
	return a
}
