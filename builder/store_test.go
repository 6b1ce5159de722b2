package builder

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/berth-dev/berth/builder/progress"
	"github.com/berth-dev/berth/layers"
)

var (
	_ ImageSource = (*layers.Store)(nil)
	_ ImageSink   = (*layers.Store)(nil)
)

// Builds go into berth's image store and come back out of it whole: config,
// files, and the same image ID on a cached rebuild.
func TestBuildIntoStore(t *testing.T) {
	ctx := context.Background()
	store, err := layers.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Write(ctx, busyboxImage(t), "busybox"); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	e.write(map[string]string{"app/main.sh": "echo hi\n", "conf": "x=1\n"})
	df := "FROM busybox AS base\nCOPY conf /etc/app.conf\n\nFROM base\nCOPY --chown=berth app /app\nENV MODE=prod\nWORKDIR /app\nCMD [\"sh\", \"main.sh\"]\nHEALTHCHECK --start-interval=2s CMD true\n"
	opts := func(o *Options) { o.Source, o.Sink, o.Tags = store, store, []string{"app:v1", "app:latest"} }
	res, _ := e.mustBuild(df, opts)

	img, err := store.Image(ctx, "app:v1")
	if err != nil {
		t.Fatal(err)
	}
	id, err := img.ConfigName()
	if err != nil || id != res.ID {
		t.Fatalf("store has %s for app:v1, the build made %s (%v)", id, res.ID, err)
	}
	cf := config(t, img)
	if !reflect.DeepEqual(cf.Config.Cmd, []string{"sh", "main.sh"}) || cf.Config.WorkingDir != "/app" || cf.Config.Env[len(cf.Config.Env)-1] != "MODE=prod" {
		t.Errorf("stored config %+v", cf.Config)
	}
	if d := startIntervalOf(img); d != 2*time.Second {
		t.Errorf("stored StartInterval = %v, want 2s", d)
	}
	fs := files(t, img)
	if f := fs["/app/main.sh"]; f.content != "echo hi\n" || f.hdr.Uid != 1000 {
		t.Errorf("/app/main.sh = %+v %q", f.hdr, f.content)
	}
	if fs["/etc/app.conf"].content != "x=1\n" || fs["/bin/busybox"].hdr.Size == 0 {
		t.Error("the base stage's file or the base image's files are missing")
	}
	if latest, err := store.Image(ctx, "app:latest"); err != nil {
		t.Fatal(err)
	} else if lid, _ := latest.ConfigName(); lid != res.ID {
		t.Errorf("app:latest is %s, want %s", lid, res.ID)
	}

	again, evs := e.mustBuild(df, opts)
	if again.ID != res.ID || len(eventsOf(evs, progress.CacheMiss)) != 0 {
		t.Errorf("cached rebuild gave %s (first %s) with %d misses", again.ID, res.ID, len(eventsOf(evs, progress.CacheMiss)))
	}
}
