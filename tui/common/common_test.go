package common

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

func TestHumanSize(t *testing.T) {
	for n, want := range map[uint64]string{0: "0B", 999: "999B", 1500: "1.50kB", 12_300_000: "12.3MB", 4_560_000_000: "4.56GB", 123_000_000: "123MB"} {
		if got := HumanSize(n); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestSparkline(t *testing.T) {
	got := Sparkline([]float64{0, 50, 100}, 5, 100)
	if got != "  ▁▄█" {
		t.Fatalf("Sparkline = %q", got)
	}
	if w := ansi.StringWidth(Sparkline(make([]float64, 30), 8, 0)); w != 8 {
		t.Fatalf("width %d, want 8", w)
	}
}

func TestFitAndBlock(t *testing.T) {
	if got := Fit("abcdef", 4); got != "abc…" {
		t.Fatalf("Fit = %q", got)
	}
	if got := Fit("ab", 4); got != "ab  " {
		t.Fatalf("Fit = %q", got)
	}
	if got := Block([]string{"x"}, 2, 2); got != "x \n  " {
		t.Fatalf("Block = %q", got)
	}
}

func TestConfigRebindAndSettings(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "config.json")
	os.WriteFile(p, []byte(`{"theme":"gruvbox","mouse":false,"refresh":"2s","keys":{"stop":["x"]}}`), 0o600)
	c, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.Theme != "gruvbox" || c.Mouse || time.Duration(c.Refresh) != 2*time.Second {
		t.Fatalf("config = %+v", c)
	}
	km := c.KeyMap()
	if !key.Matches(tea.KeyPressMsg{Code: 'x', Text: "x"}, km.Stop) {
		t.Fatal("stop not rebound to x")
	}
	if key.Matches(tea.KeyPressMsg{Code: 'S', Text: "S"}, km.Stop) {
		t.Fatal("stop still on S")
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "config.json")
	os.WriteFile(p, []byte(`{"keys":{"launch":["x"]}}`), 0o600)
	if _, err := LoadConfig(p); !errors.Is(err, ErrUnknownBinding) {
		t.Fatalf("want ErrUnknownBinding, got %v", err)
	}
	os.WriteFile(p, []byte(`{"refresh":"1ms"}`), 0o600)
	if _, err := LoadConfig(p); !errors.Is(err, ErrBadInterval) {
		t.Fatalf("want ErrBadInterval, got %v", err)
	}
	c, err := LoadConfig(filepath.Join(dir, "none.json"))
	if err != nil || c.Theme != "auto" {
		t.Fatalf("missing file: %+v %v", c, err)
	}
}

func TestHelpCoversEveryKey(t *testing.T) {
	for _, b := range DefaultKeyMap().All() {
		if b.Help().Key == "" || b.Help().Desc == "" || len(b.Keys()) == 0 {
			t.Errorf("binding without keys or help: %+v", b.Help())
		}
	}
}

func TestClean(t *testing.T) {
	if got := Clean("plain text"); got != "plain text" {
		t.Fatalf("Clean changed plain text: %q", got)
	}
	if got := Clean("a\tb\x1b[2Jc\r\u009b"); got != "a    b·[2Jc··" {
		t.Fatalf("Clean = %q", got)
	}
}

func TestPortURL(t *testing.T) {
	for port, want := range map[string]string{
		"0.0.0.0:8080->80/tcp":      "http://127.0.0.1:8080",
		"127.0.0.1:18777->8080/tcp": "http://127.0.0.1:18777",
		"10.0.0.5:443->443/tcp":     "http://10.0.0.5:443",
		"[::]:9000->9000/tcp":       "http://127.0.0.1:9000",
		"[::1]:9000->9000/tcp":      "http://[::1]:9000",
		"0.0.0.0:5353->53/udp":      "",
		"80/tcp":                    "",
	} {
		got, ok := PortURL(port)
		if got != want || ok != (want != "") {
			t.Errorf("PortURL(%q) = %q, %v; want %q", port, got, ok, want)
		}
	}
}
