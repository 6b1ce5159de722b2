package supervisor

import (
	"time"

	"github.com/berth-dev/berth/engine/container"
)

// Backoff bounds, as docker's: the delay before a restart starts at 100ms and
// doubles each time up to a minute, and goes back to the start once the
// container has run for at least ten seconds.
const (
	firstDelay = 100 * time.Millisecond
	maxDelay   = time.Minute
	resetAfter = 10 * time.Second
)

// ShouldRestart says whether the restart policy brings a container back after
// it exited with code, given how many restarts it had and whether a user
// stopped it.
func ShouldRestart(p container.RestartPolicy, code, restarts int, stoppedByUser bool) bool {
	if stoppedByUser {
		return false
	}
	switch p.Name {
	case "always", "unless-stopped":
		return true
	case "on-failure":
		return code != 0 && (p.MaxRetries == 0 || restarts < p.MaxRetries)
	}
	return false
}

// NextDelay is how long to wait before the next restart, given the last delay
// and how long the container ran.
func NextDelay(last, ran time.Duration) time.Duration {
	if last == 0 || ran >= resetAfter {
		return firstDelay
	}
	if next := last * 2; next < maxDelay {
		return next
	}
	return maxDelay
}
