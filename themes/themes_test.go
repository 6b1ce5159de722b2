package themes

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestBuiltinValid(t *testing.T) {
	if n := len(Builtin()); n < 5 {
		t.Fatalf("want at least 5 built-in themes, have %d", n)
	}
	for _, p := range Builtin() {
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
}

func TestPickFollowsBackground(t *testing.T) {
	if Pick(true).Name != "dark" || Pick(false).Name != "light" {
		t.Fatalf("Pick(true)=%s Pick(false)=%s", Pick(true).Name, Pick(false).Name)
	}
	p, err := Load("", Auto, false)
	if err != nil || p.Name != "light" {
		t.Fatalf("auto on light: %v %v", p.Name, err)
	}
}

func TestUserThemeWithBase(t *testing.T) {
	dir := t.TempDir()
	body := `{"base":"gruvbox","dark":true,"accent":"#123456"}`
	if err := os.WriteFile(filepath.Join(dir, "mine.json"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := Load(dir, "mine", true)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "mine" || p.Accent != "#123456" || p.Foreground != Gruvbox.Foreground {
		t.Fatalf("got %+v", p)
	}
	names := Names(dir)
	if names[len(names)-1] != "mine" {
		t.Fatalf("Names = %v", names)
	}
}

func TestUserThemeBad(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"accent":"blue"}`), 0o600)
	_, err := Load(dir, "bad", true)
	if !errors.Is(err, ErrBadColour) {
		t.Fatalf("want ErrBadColour, got %v", err)
	}
	if _, err := Load(dir, "../x", true); !errors.Is(err, ErrBadName) {
		t.Fatalf("want ErrBadName, got %v", err)
	}
	if _, err := Load(dir, "nosuch", true); !errors.Is(err, ErrUnknown) {
		t.Fatalf("want ErrUnknown, got %v", err)
	}
}
