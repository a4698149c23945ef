package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/protocol"
	"keyrelay/internal/wsclient"
)

func main() {
	ctx := context.Background()
	addr := os.Args[1]
	dir := os.Args[2]
	bin := os.Args[3]
	c, err := wsclient.Dial(ctx, "ws://"+addr+"/ws", "chrome-extension://"+keyrelay.ExtensionID, nil)
	if err != nil {
		panic(err)
	}
	p, err := c.Pair(ctx, "Chrome 156 / Linux")
	if err != nil {
		panic(err)
	}
	out, err := exec.Command(bin, "pair", "approve", p.Code, "--data-dir", dir, "--addr", addr, "--keyring", "file").CombinedOutput()
	fmt.Println(string(out), err)
	cr, err := p.Wait(ctx)
	if err != nil {
		panic(err)
	}
	c.Close()
	c, _ = wsclient.Dial(ctx, "ws://"+addr+"/ws", "chrome-extension://"+keyrelay.ExtensionID, nil)
	if err := c.Auth(ctx, cr.ClientID, cr.Secret); err != nil {
		panic(err)
	}
	keys := []string{"SS1-7hQ2mZp9Lx4Vt8Rk3Wn6Yc1Bd5Gf0JsIANT", "SS1-9aQ2mZp9Lx4Vt8Rk3Wn6Yc1Bd5Gf0JsQ4ZE"}
	for i, k := range keys {
		ack, err := c.Capture(ctx, &protocol.Capture{
			CaptureID: fmt.Sprintf("6f1c2a9e-1b2c-4d3e-8f40-%012d", i+1),
			PageURL:   "https://webservice.rms.rakuten.co.jp/merchant-portal/apps/goq",
			Shop:      keyrelay.ShopRef{ID: "123456", URL: "https://www.rakuten.co.jp/sample-shop/", Name: "サンプル本舗 楽天市場店"},
			AppName:   "GoQ System (ごくシステム)", Developer: "株式会社GoQ System", AppURL: "http://goqsystem.com/",
			State: "利用中", Expiry: "-", Key: k,
			APIs: []keyrelay.API{{Name: "cabinet.file.delete", Description: "画像IDを指定して画像を削除フォルダに移動することができます。"}, {Name: "cabinet.file.insert", Description: "画像ファイルを指定して画像を登録することができます。"}},
		})
		fmt.Println(ack, err)
		time.Sleep(1500 * time.Millisecond)
	}
	n, err := c.AppList(ctx, &protocol.AppListing{PageURL: "https://webservice.rms.rakuten.co.jp/merchant-portal/apps", Shop: keyrelay.ShopRef{ID: "123456", Name: "サンプル本舗 楽天市場店"},
		Rows: []keyrelay.AppListRow{{Developer: "店舗様", AppName: "(アプリ名を登録してください)", KeyLast4: "A9FR", Expiry: time.Now().Add(48 * time.Hour).Format("2006/01/02"), State: "利用中"},
			{Developer: "株式会社GoQSystem", AppName: "GoQ System (ごくシステム)", KeyLast4: "Q4ZE", Expiry: "-", State: "利用中"}}})
	fmt.Println(n, err)
	time.Sleep(3 * time.Second)
}
