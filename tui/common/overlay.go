package common

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Overlay draws box centred over bg, both blocks of styled lines; the cells
// of bg around the box stay as they were.
func Overlay(bg, box string, w, h int) string {
	bl := strings.Split(bg, "\n")
	ol := strings.Split(box, "\n")
	bw := 0
	for _, l := range ol {
		bw = max(bw, ansi.StringWidth(l))
	}
	bw = min(bw, w)
	x := max(0, (w-bw)/2)
	y := max(0, (h-len(ol))/2)
	for i, l := range ol {
		row := y + i
		if row >= len(bl) {
			break
		}
		line := Fit(bl[row], w)
		left := ansi.Truncate(line, x, "")
		right := ansi.TruncateLeft(line, x+bw, "")
		bl[row] = left + "\x1b[m" + Fit(l, bw) + "\x1b[m" + right
	}
	return strings.Join(bl, "\n")
}
