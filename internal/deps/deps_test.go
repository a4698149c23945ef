// Package deps pins the module's chosen dependencies while the packages that
// use them are being written. Delete it once every import below is used.
package deps_test

import (
	_ "fyne.io/systray"
	_ "github.com/chromedp/chromedp"
	_ "github.com/gorilla/websocket"
	_ "github.com/mattn/go-sqlite3"
	_ "github.com/rs/cors"
	_ "github.com/zalando/go-keyring"
)
