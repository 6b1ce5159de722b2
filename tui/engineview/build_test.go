package engineview

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/tui/data"
)

// context writes a build context of files (name, content pairs).
func buildContext(t *testing.T, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for i := 0; i+1 < len(files); i += 2 {
		p := filepath.Join(dir, files[i])
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(files[i+1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func ended(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		t.Fatal("the build did not end")
		return nil
	}
}

func TestBuildIsRecordedAndReadBack(t *testing.T) {
	b, _ := setup(t)
	ctx := context.Background()
	dir := buildContext(t, "Dockerfile", "FROM scratch\nCOPY hello.txt /hello.txt\n", "hello.txt", "hello\n")
	id, done, err := b.Build(ctx, data.BuildSpec{Context: dir, Tags: []string{"hello:1"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := ended(t, done); err != nil {
		t.Fatalf("build: %v", err)
	}
	builds, err := b.Builds(ctx)
	if err != nil || len(builds) != 1 || builds[0].ID != id {
		t.Fatalf("Builds = %+v, %v", builds, err)
	}
	row := builds[0]
	if row.Status != data.BuildSucceeded || row.Context != dir || !slices.Equal(row.Tags, []string{"hello:1"}) ||
		!strings.HasPrefix(row.ImageID, "sha256:") || row.Finished.Before(row.Started) {
		t.Fatalf("recorded build %+v", row)
	}

	p, err := b.BuildProgress(ctx, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []data.BuildKind
	var copyDone data.BuildEvent
	for _, ev := range p.Events {
		kinds = append(kinds, ev.Kind)
		if ev.Kind == data.BuildStepDone && ev.Step == 2 {
			copyDone = ev
		}
	}
	want := []data.BuildKind{data.BuildStepStarted, data.BuildStepDone, // FROM scratch
		data.BuildStepStarted, data.BuildCacheMiss, data.BuildStepDone, data.BuildDone}
	if !slices.Equal(kinds, want) {
		t.Fatalf("event kinds %v, want %v", kinds, want)
	}
	if copyDone.Instruction != "COPY hello.txt /hello.txt" || copyDone.Total != 2 || copyDone.LayerSize == 0 {
		t.Errorf("the COPY step's end: %+v", copyDone)
	}
	if last := p.Events[len(p.Events)-1]; last.ImageID != row.ImageID {
		t.Errorf("Done carries %s, the record %s", last.ImageID, row.ImageID)
	}
	// Read again from the offset: nothing new.
	if again, err := b.BuildProgress(ctx, id, p.Offset); err != nil || len(again.Events) != 0 || again.Offset != p.Offset {
		t.Errorf("second read: %+v, %v", again, err)
	}
	imgs, _ := b.Images(ctx)
	if !slices.ContainsFunc(imgs, func(r data.ImageRow) bool { return slices.Contains(r.Tags, "hello:1") }) {
		t.Errorf("the built image is not listed: %+v", imgs)
	}

	// The same build again comes from the cache.
	id2, done, err := b.Build(ctx, data.BuildSpec{Context: dir, Tags: []string{"hello:1"}})
	if err != nil || ended(t, done) != nil {
		t.Fatal("rebuild failed")
	}
	p, _ = b.BuildProgress(ctx, id2, 0)
	if !slices.ContainsFunc(p.Events, func(ev data.BuildEvent) bool { return ev.Kind == data.BuildCacheHit && ev.Step == 2 }) {
		t.Errorf("the rebuild's COPY missed the cache: %+v", p.Events)
	}
}

func TestBuildErrorsAreRecorded(t *testing.T) {
	b, _ := setup(t)
	ctx := context.Background()
	if _, _, err := b.Build(ctx, data.BuildSpec{Context: filepath.Join(t.TempDir(), "nowhere")}); err == nil ||
		!strings.Contains(err.Error(), "build context") {
		t.Fatalf("a missing context: %v", err)
	}
	dir := buildContext(t, "build/Dockerfile.dev", "FROM scratch\nCOPY missing.txt /\n")
	id, done, err := b.Build(ctx, data.BuildSpec{Context: dir, Dockerfile: "build/Dockerfile.dev"})
	if err != nil {
		t.Fatal(err)
	}
	berr := ended(t, done)
	if berr == nil {
		t.Fatal("copying a missing file succeeded")
	}
	p, err := b.BuildProgress(ctx, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Build.Status != data.BuildFailed || p.Build.Error != berr.Error() || p.Build.Dockerfile != "build/Dockerfile.dev" {
		t.Errorf("recorded %+v", p.Build)
	}
	if !slices.ContainsFunc(p.Events, func(ev data.BuildEvent) bool { return ev.Kind == data.BuildStepFailed && ev.Err != "" }) {
		t.Errorf("no failed step in %+v", p.Events)
	}
}
