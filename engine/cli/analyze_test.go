package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/layers"
	. "github.com/berth-dev/berth/layers/analyze/analyzetest"
)

// analyzeFixture is an image whose figures dive gives as efficiency 87.45 %,
// 520 wasted bytes and 221.28 % of user bytes wasted (see
// layers/analyze's fixture, the same layers).
var analyzeFixture = []Layer{
	{Command: "/bin/sh -c base", Files: []File{Dir("app/"), Reg("app/a", 100), Reg("app/b", 200),
		Dir("etc/"), Reg("etc/conf", 50), Dir("data/"), Reg("data/x", 1000), Reg("data/y", 500),
		Dir("sbin/"), Symlink("sbin/tool", "../app/a")}},
	{Command: "/bin/sh -c change app", Files: []File{Dir("./app/"), Reg("./app/a", 150), Whiteout("app", "b"),
		Reg("new", 10), Whiteout("", "data")}},
	{Command: "/bin/sh -c replace etc", Files: []File{Dir("etc/"), Opaque("etc"), Reg("etc/other", 5), Reg("app/a", 70)}},
}

// runBerth runs the command line in-process and returns its output and error.
func runBerth(t *testing.T, root string, args ...string) (string, error) {
	t.Helper()
	cmd, _ := NewRoot()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs(append([]string{"--root", root}, args...))
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func exitCode(err error) int {
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	if err != nil {
		return 125
	}
	return 0
}

func TestImageAnalyze(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	archive := filepath.Join(dir, "fixture.tar")
	if err := WriteDockerArchive(archive, "fixture:latest", analyzeFixture); err != nil {
		t.Fatal(err)
	}
	src := "docker-archive:" + archive

	out, err := runBerth(t, root, "image", "analyze", src)
	if err != nil {
		t.Fatalf("analyze: %v", err)
	}
	for _, want := range []string{"efficiency:        87.45 %", "wastedBytes:       520 bytes (520 B)",
		"userWastedPercent: 221.28 %", "3      320 B         /app/a", "2      200 B         /app/b", "change app"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// dive's default rules fail this image; each failed rule is named.
	out, err = runBerth(t, root, "image", "analyze", "--ci", src)
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "lowestEfficiency") || !strings.Contains(err.Error(), "highestUserWastedPercent") {
		t.Errorf("--ci with default rules: exit %d, %v", exitCode(err), err)
	}
	if !strings.Contains(out, "FAIL:  lowestEfficiency") || !strings.Contains(out, "SKIP:  highestWastedBytes") {
		t.Errorf("--ci report:\n%s", out)
	}
	_, err = runBerth(t, root, "image", "analyze", "--ci", "--lowest-efficiency", "0.8",
		"--highest-user-wasted-percent", "disabled", "--highest-wasted-bytes", "1kB", src)
	if err != nil {
		t.Errorf("--ci with passing thresholds: %v", err)
	}
	_, err = runBerth(t, root, "image", "analyze", "--ci", "--lowest-efficiency", "off",
		"--highest-user-wasted-percent", "off", "--highest-wasted-bytes", "519", src)
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "highestWastedBytes") || strings.Contains(err.Error(), "lowestEfficiency") {
		t.Errorf("--ci --highest-wasted-bytes 519: exit %d, %v", exitCode(err), err)
	}
	if _, err := runBerth(t, root, "image", "analyze", "--ci", "--lowest-efficiency", "1.5", src); err == nil || exitCode(err) != 125 {
		t.Errorf("bad threshold: %v", err)
	}

	// JSON, and the layer indexes now come from the cache.
	out, err = runBerth(t, root, "image", "analyze", "--json", src)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		WastedBytes uint64
		Efficiency  float64
		Layers      []struct{ Cached bool }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if res.WastedBytes != 520 || len(res.Layers) != 3 || !res.Layers[0].Cached || !res.Layers[2].Cached {
		t.Errorf("json = %+v", res)
	}

	// The same image loaded into the store gives the same figures.
	s, err := layers.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := s.Load(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	out, err = runBerth(t, root, "image", "analyze", "fixture")
	if err != nil || !strings.Contains(out, "wastedBytes:       520 bytes") || !strings.Contains(out, "efficiency:        87.45 %") {
		t.Errorf("analyze from the store: %v\n%s", err, out)
	}
	if _, err := runBerth(t, root, "image", "analyze", "ghost:latest"); exitCode(err) != 1 {
		t.Errorf("unknown image: exit %d, %v", exitCode(err), err)
	}
	if _, err := runBerth(t, root, "image", "analyze", "docker-archive:"+filepath.Join(dir, "missing.tar")); err == nil || !strings.Contains(err.Error(), "missing.tar") {
		t.Errorf("missing archive: %v", err)
	}
}
