package analyze_test

import (
	"path/filepath"
	"testing"

	. "github.com/berth-dev/berth/layers/analyze/analyzetest"
)

// fixtureLayers has known duplication and removals:
//   - app/a is written in all three layers (100, 150, 70 bytes);
//   - app/b (200 bytes) is removed by a whiteout in layer 1;
//   - data/ (x 1000, y 500) is removed as a directory in layer 1;
//   - etc/ is made opaque in layer 2, hiding etc/conf (50);
//   - layer 2 writes app/a without a header for app/ (an implicit parent).
//
// By dive's rules, the leaves are
//
//	app/a 100+150+70 (3 layers), app/b 200+0 (2), data 1500 (the removed
//	directory's contents), data/x 1000, data/y 500, etc/conf 50, new 10,
//	etc/other 5, sbin/tool 0 (a symlink)
//
// so wasted = 320+200 = 520, efficiency = (70+0+1500+1000+500+50+10+5+0) /
// (320+200+1500+1000+500+50+10+5+0) = 3135/3585, layer sizes 1850, 160, 75.
var fixtureLayers = []Layer{
	{Command: "/bin/sh -c #(nop) ADD base", Files: []File{
		Dir("app/"), Reg("app/a", 100), Reg("app/b", 200),
		Dir("etc/"), Reg("etc/conf", 50),
		Dir("data/"), Reg("data/x", 1000), Reg("data/y", 500),
		Dir("sbin/"), Symlink("sbin/tool", "../app/a"),
	}},
	{Command: "/bin/sh -c change app", Files: []File{
		Dir("./app/"), Reg("./app/a", 150), Whiteout("app", "b"),
		Reg("new", 10), Whiteout("", "data"),
	}},
	{Command: "/bin/sh -c replace etc", Files: []File{
		Dir("etc/"), Opaque("etc"), Reg("etc/other", 5), Reg("app/a", 70),
	}},
}

const (
	fixtureWasted    = 520
	fixtureMinSum    = 3135
	fixtureCumSum    = 3585
	fixtureUserBytes = 160 + 75
)

func writeFixture(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fixture.tar")
	if err := WriteDockerArchive(p, "fixture:latest", fixtureLayers); err != nil {
		t.Fatal(err)
	}
	return p
}
