// Package themes holds berth's colour palettes: the built-in themes, the
// user's own theme files, and the choice of a theme that follows the
// terminal's background.
package themes

import (
	"fmt"
	"regexp"
)

// Palette is a theme's colours, each a "#rrggbb" string. The workbench turns
// a palette into its semantic styles; nothing else names a colour.
type Palette struct {
	// Name is the theme's name, as chosen in the config file or with :theme.
	Name string `json:"name"`
	// Dark reports whether the theme is meant for a dark background.
	Dark bool `json:"dark"`
	// Foreground is the colour of ordinary text.
	Foreground string `json:"foreground"`
	// Muted is the colour of secondary text: hints, column headers, ages.
	Muted string `json:"muted"`
	// Surface is the background of bars, dialogs and the selected row.
	Surface string `json:"surface"`
	// Border is the colour of frames and rules.
	Border string `json:"border"`
	// Accent marks the active tab, titles and the cursor.
	Accent string `json:"accent"`
	// Secondary marks marked rows and secondary highlights.
	Secondary string `json:"secondary"`
	// Good is for running containers, passing health and added files.
	Good string `json:"good"`
	// Warn is for paused or starting containers and modified files.
	Warn string `json:"warn"`
	// Bad is for errors, dead containers, failing health and removed files.
	Bad string `json:"bad"`
	// Info is for neutral notices, stdout and timestamps.
	Info string `json:"info"`
	// Match is the background of search matches.
	Match string `json:"match"`
}

var hexColour = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// Validate reports the first field of p that is missing or not a "#rrggbb"
// colour.
func (p Palette) Validate() error {
	if p.Name == "" {
		return fmt.Errorf("checking theme: %w", ErrNoName)
	}
	for _, f := range p.fields() {
		if !hexColour.MatchString(*f.v) {
			return fmt.Errorf("checking theme %s: field %s %q: %w", p.Name, f.name, *f.v, ErrBadColour)
		}
	}
	return nil
}

type field struct {
	name string
	v    *string
}

func (p *Palette) fields() []field {
	return []field{
		{"foreground", &p.Foreground}, {"muted", &p.Muted}, {"surface", &p.Surface},
		{"border", &p.Border}, {"accent", &p.Accent}, {"secondary", &p.Secondary},
		{"good", &p.Good}, {"warn", &p.Warn}, {"bad", &p.Bad}, {"info", &p.Info},
		{"match", &p.Match},
	}
}

// fillFrom copies into p every colour p leaves empty from base, so that a
// user theme need only name the colours it changes.
func (p *Palette) fillFrom(base Palette) {
	b := base.fields()
	for i, f := range p.fields() {
		if *f.v == "" {
			*f.v = *b[i].v
		}
	}
}
