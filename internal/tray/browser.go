package tray

import (
	"os/exec"
	"runtime"
)

// OpenBrowser hands url to the desktop's default browser. It does not wait
// for the browser, but reaps the launcher so a long-running helper collects
// no zombies.
func OpenBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
