package common

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// HumanSize writes bytes the way docker does: decimal units, three
// significant digits ("1.5kB", "123MB").
func HumanSize(n uint64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB"}
	f := float64(n)
	i := 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	switch {
	case i == 0:
		return fmt.Sprintf("%dB", n)
	case f < 10:
		return fmt.Sprintf("%.2f%s", f, units[i])
	case f < 100:
		return fmt.Sprintf("%.1f%s", f, units[i])
	}
	return fmt.Sprintf("%.0f%s", f, units[i])
}

// Short writes a duration compactly: "45s", "12m", "3h", "5d", "8w".
func Short(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	case d < 14*24*time.Hour:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
	return fmt.Sprintf("%dw", int(d.Hours()/24/7))
}

// ShortID returns the first 12 characters of an ID, without "sha256:".
func ShortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

var sparks = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws the last width values scaled to max (the largest value
// when max is 0), right-aligned and padded with spaces on the left.
func Sparkline(values []float64, width int, max float64) string {
	if width <= 0 {
		return ""
	}
	if len(values) > width {
		values = values[len(values)-width:]
	}
	if max <= 0 {
		for _, v := range values {
			if v > max {
				max = v
			}
		}
	}
	var sb strings.Builder
	sb.Grow(width * 3)
	for i := len(values); i < width; i++ {
		sb.WriteByte(' ')
	}
	for _, v := range values {
		i := 0
		if max > 0 {
			i = int(v / max * float64(len(sparks)-1))
		}
		i = min(max0(i), len(sparks)-1)
		sb.WriteRune(sparks[i])
	}
	return sb.String()
}

func max0(i int) int {
	if i < 0 {
		return 0
	}
	return i
}

// Width returns the cells s takes on screen, ignoring ANSI styles. Plain
// ASCII, the common case, is measured without parsing.
func Width(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c < 0x20 {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// Fit cuts s (which may hold ANSI styles) to width cells with an ellipsis,
// then pads it with spaces to exactly width cells.
func Fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	w := Width(s)
	if w > width {
		s = ansi.Truncate(s, width, "…")
		w = Width(s)
	}
	if w < width {
		s += strings.Repeat(" ", width-w)
	}
	return s
}

// FitRight is Fit with the padding on the left.
func FitRight(s string, width int) string {
	if width <= 0 {
		return ""
	}
	w := Width(s)
	if w > width {
		return ansi.Truncate(s, width, "…")
	}
	return strings.Repeat(" ", width-w) + s
}

// Pad lays lines that are already exactly w cells wide into a block of h
// lines, adding blank lines or dropping extra ones.
func Pad(lines []string, w, h int) string {
	if h <= 0 {
		return ""
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	if len(lines) < h {
		blank := strings.Repeat(" ", max0(w))
		for len(lines) < h {
			lines = append(lines, blank)
		}
	}
	return strings.Join(lines, "\n")
}

// Block lays lines into a block of exactly w by h cells: each line fitted,
// missing lines blank, extra lines dropped.
func Block(lines []string, w, h int) string {
	if h <= 0 {
		return ""
	}
	out := make([]string, h)
	blank := strings.Repeat(" ", max0(w))
	for i := range out {
		if i < len(lines) {
			out[i] = Fit(lines[i], w)
		} else {
			out[i] = blank
		}
	}
	return strings.Join(out, "\n")
}

// Clean makes text from outside berth safe to draw: tabs become spaces and
// other control characters, escape sequences included, become '·', so that
// a log line or a label cannot move the cursor or restyle the screen.
func Clean(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	s = strings.ReplaceAll(s, "\t", "    ")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '·'
		}
		return r
	}, s)
}

// PortURL returns the http address a published port is reached at on this
// host ("0.0.0.0:8080->80/tcp" is http://127.0.0.1:8080), and false for a
// port that is not TCP or not published on the host.
func PortURL(port string) (string, bool) {
	host, rest, ok := strings.Cut(port, "->")
	if !ok || !strings.HasSuffix(rest, "/tcp") {
		return "", false
	}
	ip, p, err := net.SplitHostPort(host)
	if err != nil { // an IPv6 address written without brackets: ":::8080"
		i := strings.LastIndex(host, ":")
		if i < 0 {
			return "", false
		}
		ip, p = host[:i], host[i+1:]
	}
	if p == "" || p == "0" {
		return "", false
	}
	switch ip {
	case "", "0.0.0.0", "::":
		ip = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(ip, p), true
}
