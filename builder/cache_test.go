package builder

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/builder/cache"
	"github.com/berth-dev/berth/builder/progress"
)

const cacheDockerfile = `FROM busybox
ARG VERSION=1
ENV APP=/app
COPY src/ /app/
LABEL version=$VERSION
COPY conf.txt /etc/conf.txt
`

// misses returns the reasons of the build's cache misses, by line.
func misses(evs []progress.Event) map[int]string {
	out := map[int]string{}
	for _, ev := range eventsOf(evs, progress.CacheMiss) {
		out[ev.Line] = ev.Reason
	}
	return out
}

func TestCacheHitGivesSameImage(t *testing.T) {
	e := newEnv(t)
	e.write(map[string]string{"src/main.go": "package main", "src/lib/x.go": "package lib", "conf.txt": "c"})
	first, evs := e.mustBuild(cacheDockerfile)
	if n := len(eventsOf(evs, progress.CacheMiss)); n != 2 {
		t.Fatalf("first build: %d misses, want 2 (the COPYs)", n)
	}
	time.Sleep(1100 * time.Millisecond) // a rebuild a second later must still give the same image
	second, evs := e.mustBuild(cacheDockerfile)
	if m := misses(evs); len(m) != 0 {
		t.Fatalf("unchanged rebuild missed: %v", m)
	}
	if n := len(eventsOf(evs, progress.CacheHit)); n != 2 {
		t.Fatalf("unchanged rebuild: %d hits, want 2", n)
	}
	if first.ID != second.ID {
		t.Fatalf("unchanged rebuild gave image %s, then %s", first.ID, second.ID)
	}
	// Touching a file without changing it is still a hit.
	now := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(e.ctxDir, "src/main.go"), now, now); err != nil {
		t.Fatal(err)
	}
	_, evs = e.mustBuild(cacheDockerfile)
	if m := misses(evs); len(m) != 0 {
		t.Fatalf("touching a file caused misses: %v", m)
	}
}

func TestCacheMissIsExplained(t *testing.T) {
	e := newEnv(t)
	e.write(map[string]string{"src/main.go": "package main", "src/lib/x.go": "package lib", "conf.txt": "c"})
	e.mustBuild(cacheDockerfile)

	e.write(map[string]string{"src/lib/x.go": "package lib // changed"})
	_, evs := e.mustBuild(cacheDockerfile)
	m := misses(evs)
	if !strings.Contains(m[4], "src/lib/x.go changed") {
		t.Errorf("changed file: line 4 reason %q", m[4])
	}
	if !strings.Contains(m[6], "line 4") {
		t.Errorf("step after a miss: line 6 reason %q", m[6])
	}

	e.write(map[string]string{"src/new.go": "new"})
	_, evs = e.mustBuild(cacheDockerfile)
	if r := misses(evs)[4]; !strings.Contains(r, "src/new.go added") {
		t.Errorf("added file: reason %q", r)
	}

	_, evs = e.mustBuild(cacheDockerfile, func(o *Options) { o.BuildArgs = map[string]string{"VERSION": "2"} })
	m = misses(evs)
	if _, ok := m[4]; ok {
		t.Errorf("a build arg used only after line 4 invalidated it: %q", m[4])
	}
	if !strings.Contains(m[6], "line 5 changed") || !strings.Contains(m[6], `build arg VERSION changed from "1" to "2"`) {
		t.Errorf("changed build arg: line 6 reason %q", m[6])
	}

	changed := strings.Replace(cacheDockerfile, "ENV APP=/app", "ENV APP=/srv", 1)
	_, evs = e.mustBuild(changed)
	if r := misses(evs)[4]; !strings.Contains(r, "line 3 changed") || !strings.Contains(r, "ENV APP=/app") {
		t.Errorf("changed instruction: reason %q", r)
	}

	_, evs = e.mustBuild(changed, func(o *Options) { o.NoCache = true })
	if len(eventsOf(evs, progress.CacheHit)) != 0 || misses(evs)[4] != "--no-cache" {
		t.Errorf("--no-cache: misses %v", misses(evs))
	}
}

func TestPrune(t *testing.T) {
	e := newEnv(t)
	e.write(map[string]string{"src/a": "a", "conf.txt": "c"})
	e.mustBuild(cacheDockerfile)
	c, err := cache.Open(e.cache)
	if err != nil {
		t.Fatal(err)
	}
	freed, err := c.Prune()
	if err != nil || freed == 0 {
		t.Fatalf("prune freed %d: %v", freed, err)
	}
	_, evs := e.mustBuild(cacheDockerfile)
	if n := len(eventsOf(evs, progress.CacheHit)); n != 0 {
		t.Fatalf("%d hits after prune", n)
	}
}

func TestFileHashMemo(t *testing.T) {
	dir := t.TempDir()
	c, err := cache.Open(filepath.Join(dir, "cache"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("one"), 0o644); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(p)
	h1, err := c.HashFile(p, fi)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	fi, _ = os.Stat(p)
	h2, err := c.HashFile(p, fi)
	if err != nil || h1 == h2 {
		t.Fatalf("rewritten file kept its hash %s (%v)", h2, err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	c2, err := cache.Open(filepath.Join(dir, "cache"))
	if err != nil {
		t.Fatal(err)
	}
	if h3, err := c2.HashFile(p, fi); err != nil || h3 != h2 {
		t.Fatalf("reopened memo gave %s, want %s (%v)", h3, h2, err)
	}
}
