// Package format prints what berth's verbs show the way docker prints it:
// sizes and durations for people, and --format Go templates with docker's
// functions and its `table` directive.
package format

import (
	"fmt"
	"math"
	"time"
)

// Size is docker's human size: decimal units, about three significant digits
// ("1.24MB", "5.6GB", "512B").
func Size(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB"}
	f := float64(n)
	i := 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	return fmt.Sprintf("%.4g%s", f, units[i])
}

// BinarySize is docker's size in binary units, as `stats` prints memory ("12.5MiB").
func BinarySize(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	f := float64(n)
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	return fmt.Sprintf("%.4g%s", f, units[i])
}

// Duration is docker's human duration ("Less than a second", "About a minute",
// "5 minutes", "About an hour", "3 days", "2 weeks", "4 months", "2 years").
func Duration(d time.Duration) string {
	s := int(d.Seconds())
	switch {
	case s < 1:
		return "Less than a second"
	case s == 1:
		return "1 second"
	case s < 60:
		return fmt.Sprintf("%d seconds", s)
	}
	m := int(d.Minutes())
	switch {
	case m == 1:
		return "About a minute"
	case m < 60:
		return fmt.Sprintf("%d minutes", m)
	}
	h := int(math.Round(d.Hours()))
	switch {
	case h == 1:
		return "About an hour"
	case h < 48:
		return fmt.Sprintf("%d hours", h)
	case h < 24*7*2:
		return fmt.Sprintf("%d days", h/24)
	case h < 24*30*2:
		return fmt.Sprintf("%d weeks", h/24/7)
	case h < 24*365*2:
		return fmt.Sprintf("%d months", h/24/30)
	}
	return fmt.Sprintf("%d years", int(d.Hours())/24/365)
}

// Ago is Duration since t with " ago", as the CREATED columns print it.
func Ago(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	return Duration(now.Sub(t)) + " ago"
}

// Status is the STATUS column of `ps`: "Up 5 minutes (healthy)", "Exited (0)
// 3 seconds ago", "Created", "Up 2 hours (Paused)", "Restarting (1) 1 second ago".
func Status(status string, exitCode int, started, finished, now time.Time, health string) string {
	switch status {
	case "running":
		s := "Up " + Duration(now.Sub(started))
		if health != "" {
			s += " (" + health + ")"
		}
		return s
	case "paused":
		return "Up " + Duration(now.Sub(started)) + " (Paused)"
	case "restarting":
		return fmt.Sprintf("Restarting (%d) %s", exitCode, Ago(finished, now))
	case "exited":
		if finished.IsZero() {
			return fmt.Sprintf("Exited (%d)", exitCode)
		}
		return fmt.Sprintf("Exited (%d) %s", exitCode, Ago(finished, now))
	case "created":
		return "Created"
	case "removing":
		return "Removal In Progress"
	case "dead":
		return "Dead"
	}
	return status
}
