package themes

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Auto is the theme name that follows the terminal's background: Dark on a
// dark background, Light on a light one.
const Auto = "auto"

var validName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Dir returns the directory of the user's theme files:
// $XDG_CONFIG_HOME/berth/themes, or ~/.config/berth/themes.
func Dir() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("finding config directory: %w", err)
	}
	return filepath.Join(d, "berth", "themes"), nil
}

// Load returns the theme called name from dir: the user's theme file
// dir/NAME.json if there is one, else the built-in theme of that name. A user
// theme may set "base" to a built-in theme and give only the colours it
// changes. Auto resolves through dark (see Pick).
func Load(dir, name string, dark bool) (Palette, error) {
	if name == "" || name == Auto {
		return Pick(dark), nil
	}
	if !validName.MatchString(name) {
		return Palette{}, fmt.Errorf("loading theme %q: %w", name, ErrBadName)
	}
	if dir != "" {
		p, err := loadFile(filepath.Join(dir, name+".json"), name)
		if err == nil {
			return p, nil
		}
		if !os.IsNotExist(err) {
			return Palette{}, err
		}
	}
	for _, p := range Builtin() {
		if p.Name == name {
			return p, nil
		}
	}
	return Palette{}, fmt.Errorf("loading theme %q: %w", name, ErrUnknown)
}

// userFile is the shape of a theme file: a palette plus an optional base.
type userFile struct {
	Palette
	Base string `json:"base"`
}

func loadFile(path, name string) (Palette, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return Palette{}, err
		}
		return Palette{}, fmt.Errorf("reading theme %s: %w", path, err)
	}
	var f userFile
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Palette{}, fmt.Errorf("parsing theme %s: %w", path, err)
	}
	if f.Name == "" {
		f.Name = name
	}
	if f.Base != "" {
		base, err := Load("", f.Base, f.Dark)
		if err != nil {
			return Palette{}, fmt.Errorf("theme %s: base: %w", path, err)
		}
		f.Palette.fillFrom(base)
	}
	if err := f.Palette.Validate(); err != nil {
		return Palette{}, fmt.Errorf("theme %s: %w", path, err)
	}
	return f.Palette, nil
}

// Pick returns the built-in theme for a terminal whose background is dark or
// light.
func Pick(dark bool) Palette {
	if dark {
		return Dark
	}
	return Light
}

// Names lists the built-in theme names, then the user themes found in dir,
// sorted, without repeats.
func Names(dir string) []string {
	seen := map[string]bool{Auto: true}
	names := []string{Auto}
	for _, p := range Builtin() {
		seen[p.Name] = true
		names = append(names, p.Name)
	}
	ents, _ := os.ReadDir(dir)
	var user []string
	for _, e := range ents {
		n, ok := strings.CutSuffix(e.Name(), ".json")
		if ok && validName.MatchString(n) && !seen[n] {
			user = append(user, n)
		}
	}
	sort.Strings(user)
	return append(names, user...)
}
