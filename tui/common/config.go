package common

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Config is the workbench's settings, kept in
// $XDG_CONFIG_HOME/berth/config.json.
type Config struct {
	// Theme is a theme name, or "auto" to follow the terminal's background.
	Theme string `json:"theme"`
	// Mouse turns mouse support on.
	Mouse bool `json:"mouse"`
	// Refresh is how often lists and stats are refreshed, e.g. "1s".
	Refresh Duration `json:"refresh"`
	// Keys rebinds keys by name, e.g. {"stop": ["x"]}.
	Keys map[string][]string `json:"keys,omitempty"`
}

// Duration is a time.Duration written as "1s" in JSON.
type Duration time.Duration

// UnmarshalJSON reads a duration string such as "500ms".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("parsing duration %s: %w", b, err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("parsing duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// DefaultConfig is the configuration when there is no config file.
func DefaultConfig() Config {
	return Config{Theme: "auto", Mouse: true, Refresh: Duration(time.Second)}
}

// ConfigPath returns $XDG_CONFIG_HOME/berth/config.json.
func ConfigPath() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("finding config directory: %w", err)
	}
	return filepath.Join(d, "berth", "config.json"), nil
}

// LoadConfig reads the config file at path over the defaults. A missing file
// gives the defaults.
func LoadConfig(path string) (Config, error) {
	c := DefaultConfig()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("reading config %s: %w", path, err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return DefaultConfig(), fmt.Errorf("parsing config %s: %w", path, err)
	}
	if time.Duration(c.Refresh) < 100*time.Millisecond {
		return DefaultConfig(), fmt.Errorf("config %s: refresh %s: %w", path, time.Duration(c.Refresh), ErrBadInterval)
	}
	km := DefaultKeyMap()
	if err := km.Rebind(c.Keys); err != nil {
		return DefaultConfig(), fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// KeyMap returns the default key map with the config's rebindings applied.
func (c Config) KeyMap() KeyMap {
	k := DefaultKeyMap()
	_ = k.Rebind(c.Keys) // checked by LoadConfig
	return k
}
