package tui

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/berth-dev/berth/tui/common"
)

// browsedMsg says how opening a container's published port went.
type browsedMsg struct {
	t      common.Target
	urls   []string // the first was opened
	opened bool     // false: there was no browser to open it in
	err    error
}

// browse opens the first of a container's published TCP ports in the
// desktop's browser, in a command; the others are named in the notice.
func (m *Model) browse(t common.Target, urls []string) tea.Cmd {
	if len(urls) == 0 {
		return m.fail(fmt.Errorf("%s: %w", t.Name, errNoPort))
	}
	open := m.openURL
	return func() tea.Msg {
		ok, err := open(urls[0])
		return browsedMsg{t, urls, ok, err}
	}
}

func (m *Model) browsed(b browsedMsg) tea.Cmd {
	url := b.urls[0]
	also := ""
	if len(b.urls) > 1 {
		also = " (also published: " + strings.Join(b.urls[1:], ", ") + ")"
	}
	switch {
	case b.err != nil:
		return m.fail(fmt.Errorf("opening %s for %s: %w", url, b.t.Name, b.err))
	case b.opened:
		return m.note("opened " + url + " for " + b.t.Name + also)
	}
	// Without a browser the address stays on the status line to be copied.
	m.stick(b.t.Name + ": " + url + also + " · no browser found, copy the address")
	return nil
}

// openURL opens url in the desktop's browser with xdg-open or
// sensible-browser. It reports false, and no error, when there is no
// desktop session or neither program: on a text console either could start
// a text browser on the terminal the workbench is drawing on.
func openURL(url string) (bool, error) {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return false, nil
	}
	for _, name := range []string{"xdg-open", "sensible-browser"} {
		path, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		cmd := exec.Command(path, url)
		// Its own session, without the terminal: nothing it prints or
		// asks can reach the screen.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := cmd.Start(); err != nil {
			return false, fmt.Errorf("starting %s: %w", name, err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				return false, fmt.Errorf("%s: %w", name, err)
			}
		case <-time.After(browserWait):
			// Still starting the browser: it is on its way.
		}
		return true, nil
	}
	return false, nil
}

// browserWait is how long openURL waits to hear whether the opener failed.
const browserWait = 3 * time.Second

var errNoPort = errors.New("no published TCP port to open: publish one with -p when running it")
