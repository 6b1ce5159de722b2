package common

import (
	"charm.land/lipgloss/v2"

	"github.com/berth-dev/berth/themes"
)

// Styles are the workbench's semantic styles, built from one palette.
// Components use these and never name a colour.
type Styles struct {
	Theme string

	Text      lipgloss.Style
	Muted     lipgloss.Style
	Title     lipgloss.Style
	Accent    lipgloss.Style
	Secondary lipgloss.Style

	Header    lipgloss.Style
	Tab       lipgloss.Style
	TabActive lipgloss.Style
	Brand     lipgloss.Style

	Status      lipgloss.Style
	StatusKey   lipgloss.Style
	StatusDesc  lipgloss.Style
	StatusError lipgloss.Style
	StatusInfo  lipgloss.Style

	TableHeader lipgloss.Style
	Cell        lipgloss.Style
	Selected    lipgloss.Style
	Marked      lipgloss.Style
	Cursor      lipgloss.Style

	Good lipgloss.Style
	Warn lipgloss.Style
	Bad  lipgloss.Style
	Info lipgloss.Style

	Added    lipgloss.Style
	Modified lipgloss.Style
	Removed  lipgloss.Style

	SparkCPU lipgloss.Style
	SparkMem lipgloss.Style
	Limit    lipgloss.Style

	Match     lipgloss.Style
	Timestamp lipgloss.Style
	Stderr    lipgloss.Style

	Dialog      lipgloss.Style
	DialogTitle lipgloss.Style
	Button      lipgloss.Style
	ButtonFocus lipgloss.Style
	Input       lipgloss.Style

	Explain lipgloss.Style
	Rule    lipgloss.Style
}

// NewStyles builds the styles of palette p.
func NewStyles(p themes.Palette) Styles {
	c := lipgloss.Color
	fg, muted, surf := c(p.Foreground), c(p.Muted), c(p.Surface)
	accent, second := c(p.Accent), c(p.Secondary)
	good, warn, bad, info := c(p.Good), c(p.Warn), c(p.Bad), c(p.Info)
	st := lipgloss.NewStyle
	return Styles{
		Theme:     p.Name,
		Text:      st().Foreground(fg),
		Muted:     st().Foreground(muted),
		Title:     st().Foreground(accent).Bold(true),
		Accent:    st().Foreground(accent),
		Secondary: st().Foreground(second),

		Header:    st().Background(surf).Foreground(fg),
		Tab:       st().Background(surf).Foreground(muted).Padding(0, 1),
		TabActive: st().Background(accent).Foreground(surf).Bold(true).Padding(0, 1),
		Brand:     st().Background(surf).Foreground(second).Bold(true).Padding(0, 1),

		Status:      st().Background(surf).Foreground(fg),
		StatusKey:   st().Background(surf).Foreground(accent).Bold(true),
		StatusDesc:  st().Background(surf).Foreground(muted),
		StatusError: st().Background(bad).Foreground(surf).Bold(true),
		StatusInfo:  st().Background(surf).Foreground(info),

		TableHeader: st().Foreground(muted).Bold(true),
		Cell:        st().Foreground(fg),
		Selected:    st().Background(surf).Foreground(accent).Bold(true),
		Marked:      st().Foreground(second).Bold(true),
		Cursor:      st().Foreground(accent).Bold(true),

		Good: st().Foreground(good),
		Warn: st().Foreground(warn),
		Bad:  st().Foreground(bad),
		Info: st().Foreground(info),

		Added:    st().Foreground(good),
		Modified: st().Foreground(warn),
		Removed:  st().Foreground(bad).Strikethrough(true),

		SparkCPU: st().Foreground(info),
		SparkMem: st().Foreground(second),
		Limit:    st().Foreground(bad),

		Match:     st().Background(c(p.Match)).Foreground(fg).Bold(true),
		Timestamp: st().Foreground(muted),
		Stderr:    st().Foreground(bad),

		Dialog:      st().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1),
		DialogTitle: st().Foreground(accent).Bold(true),
		Button:      st().Foreground(muted).Padding(0, 1),
		ButtonFocus: st().Background(accent).Foreground(surf).Bold(true).Padding(0, 1),
		Input:       st().Foreground(fg),

		Explain: st().Foreground(muted).Italic(true),
		Rule:    st().Foreground(c(p.Border)),
	}
}
