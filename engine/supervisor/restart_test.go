package supervisor

import (
	"testing"
	"time"

	"github.com/berth-dev/berth/engine/container"
)

func TestShouldRestart(t *testing.T) {
	p := func(name string, max int) container.RestartPolicy {
		return container.RestartPolicy{Name: name, MaxRetries: max}
	}
	cases := []struct {
		policy  container.RestartPolicy
		code, n int
		byUser  bool
		want    bool
	}{
		{p("no", 0), 1, 0, false, false},
		{p("always", 0), 0, 100, false, true},
		{p("always", 0), 1, 0, true, false},
		{p("unless-stopped", 0), 0, 0, false, true},
		{p("unless-stopped", 0), 0, 0, true, false},
		{p("on-failure", 0), 0, 0, false, false},
		{p("on-failure", 0), 2, 50, false, true},
		{p("on-failure", 3), 2, 2, false, true},
		{p("on-failure", 3), 2, 3, false, false},
	}
	for _, c := range cases {
		if got := ShouldRestart(c.policy, c.code, c.n, c.byUser); got != c.want {
			t.Errorf("%+v code=%d restarts=%d byUser=%v: %v, want %v", c.policy, c.code, c.n, c.byUser, got, c.want)
		}
	}
}

func TestNextDelayDoublesAndResets(t *testing.T) {
	d := time.Duration(0)
	var seen []time.Duration
	for i := 0; i < 12; i++ {
		d = NextDelay(d, time.Second)
		seen = append(seen, d)
	}
	if seen[0] != 100*time.Millisecond || seen[1] != 200*time.Millisecond || seen[11] != time.Minute {
		t.Fatalf("delays %v", seen)
	}
	if NextDelay(time.Minute, 11*time.Second) != 100*time.Millisecond {
		t.Fatal("a long run did not reset the delay")
	}
}
