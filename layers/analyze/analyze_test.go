package analyze_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/layers/analyze"
)

func analyseArchive(t *testing.T, a *analyze.Analyzer, path string) *analyze.Result {
	t.Helper()
	arch, err := analyze.OpenDockerArchive(path)
	if err != nil {
		t.Fatal(err)
	}
	defer arch.Close()
	res, err := a.Analyze(context.Background(), arch.ConfigFile(), arch.Layers())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestFixtureFigures(t *testing.T) {
	res := analyseArchive(t, &analyze.Analyzer{}, writeFixture(t))
	if res.WastedBytes != fixtureWasted {
		t.Errorf("wasted bytes = %d, want %d", res.WastedBytes, fixtureWasted)
	}
	if want := float64(fixtureMinSum) / fixtureCumSum; res.Efficiency != want {
		t.Errorf("efficiency = %v, want %v", res.Efficiency, want)
	}
	if res.UserSizeBytes != fixtureUserBytes || res.SizeBytes != 1850+fixtureUserBytes {
		t.Errorf("sizes = %d total, %d user; want %d, %d", res.SizeBytes, res.UserSizeBytes, 1850+fixtureUserBytes, fixtureUserBytes)
	}
	if want := float64(fixtureWasted) / fixtureUserBytes; res.WastedUserPercent != want {
		t.Errorf("user wasted = %v, want %v", res.WastedUserPercent, want)
	}
	got := fmt.Sprint(res.Inefficiencies)
	if want := "[{/app/a 3 320} {/app/b 2 200}]"; got != want {
		t.Errorf("inefficiencies = %s, want %s", got, want)
	}
	var sizes, cmds []string
	for _, l := range res.Layers {
		sizes = append(sizes, fmt.Sprint(l.Size))
		cmds = append(cmds, l.Command)
	}
	if got := strings.Join(sizes, " "); got != "1850 160 75" {
		t.Errorf("layer sizes = %s", got)
	}
	if cmds[1] != "change app" {
		t.Errorf("layer 1 command = %q, want the history with /bin/sh -c trimmed", cmds[1])
	}
}

func changes(res *analyze.Result, i int) string {
	var out []string
	for _, c := range res.Changes(i) {
		out = append(out, c.Kind.String()+" "+c.Entry.Path)
	}
	return strings.Join(out, ", ")
}

func TestChanges(t *testing.T) {
	res := analyseArchive(t, &analyze.Analyzer{}, writeFixture(t))
	for i, want := range []string{
		"added app, added app/a, added app/b, added data, added data/x, added data/y, added etc, added etc/conf, added sbin, added sbin/tool",
		"modified app/a, removed app/b, removed data, removed data/x, removed data/y, added new",
		"modified app/a, modified etc, removed etc/conf, added etc/other",
	} {
		if got := changes(res, i); got != want {
			t.Errorf("layer %d changes:\n got %s\nwant %s", i, got, want)
		}
	}
	// The opaque directory is marked so in the change list.
	for _, c := range res.Changes(2) {
		if c.Entry.Path == "etc" && !c.Entry.IsOpaque() {
			t.Errorf("etc in layer 2 is not marked opaque")
		}
	}
}

func TestTree(t *testing.T) {
	res := analyseArchive(t, &analyze.Analyzer{}, writeFixture(t))
	tr := res.Tree(2)
	var lines []string
	for _, n := range tr.Nodes {
		lines = append(lines, fmt.Sprintf("%s%s:%s:%d", strings.Repeat(" ", int(n.Depth)), n.Name(), n.Diff, n.Total))
	}
	got := strings.Join(lines, "|")
	want := "app:unmodified:70| a:modified:70|etc:modified:5| conf:removed:50| other:added:5|new:unmodified:10|sbin:unmodified:0| tool:unmodified:0"
	if got != want {
		t.Errorf("tree of layer 2:\n got %s\nwant %s", got, want)
	}
	if i := tr.Find("/etc/other"); i < 0 || tr.Nodes[i].Parent != int32(tr.Find("etc")) {
		t.Errorf("Find(/etc/other) = %d, parent wrong", i)
	}
	// Sorting by size puts app (70) first, then new (10), etc (5), sbin (0).
	var top []string
	tr.Walk(analyze.BySize, func(i int) bool {
		if tr.Nodes[i].Depth == 0 {
			top = append(top, tr.Nodes[i].Name())
		}
		return false
	})
	if got := strings.Join(top, " "); got != "app new etc sbin" {
		t.Errorf("top level by size = %s", got)
	}
	keep := tr.Filter(func(n *analyze.Node) bool { return strings.Contains(n.Path, "other") })
	var shown []string
	for i, k := range keep {
		if k {
			shown = append(shown, tr.Nodes[i].Path)
		}
	}
	if got := strings.Join(shown, " "); got != "etc etc/other" {
		t.Errorf("filter other = %s", got)
	}
	// The tree of layer 0 has the removed paths still in place.
	if tr0 := res.Tree(0); tr0.Find("data/x") < 0 || tr0.Nodes[tr0.Find("data")].Total != 1500 {
		t.Errorf("layer 0 tree lacks data/x or sizes data wrongly")
	}
	if !slices.Equal(tr.Children(-1), []int{0, 2, 5, 6}) {
		t.Errorf("top-level children = %v", tr.Children(-1))
	}
}
