package builder

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/berth-dev/berth/builder/progress"
)

func TestTargetLabelsAndStageInheritance(t *testing.T) {
	e := newEnv(t)
	e.write(map[string]string{"a": "a"})
	df := `FROM busybox AS base
ENV FROM_BASE=1
LABEL stage=base
COPY a /base-a

FROM base AS dev
LABEL stage=dev
COPY --link a /dev-a

FROM busybox AS prod
COPY a /prod-a
`
	res, evs := e.mustBuild(df, func(o *Options) {
		o.Target = "dev"
		o.Labels = map[string]string{"built-by": "berth"}
	})
	cf := config(t, res.Image)
	if !reflect.DeepEqual(cf.Config.Labels, map[string]string{"stage": "dev", "built-by": "berth"}) {
		t.Errorf("labels %v", cf.Config.Labels)
	}
	if cf.Config.Env[len(cf.Config.Env)-1] != "FROM_BASE=1" {
		t.Errorf("env %q does not inherit the base stage's", cf.Config.Env)
	}
	fs := files(t, res.Image)
	if fs["/base-a"].content != "a" || fs["/dev-a"].content != "a" {
		t.Errorf("files %v", keys(fs))
	}
	if _, ok := fs["/prod-a"]; ok {
		t.Error("the prod stage went into the dev target")
	}
	for _, ev := range evs {
		if ev.Stage == "prod" {
			t.Fatalf("stage prod ran for target dev: %+v", ev)
		}
	}
	if got := eventsOf(evs, progress.Done); len(got) != 1 || got[0].ImageID != res.ID.String() {
		t.Errorf("done events %+v", got)
	}
}

func TestDockerfileIgnoreBesideDockerfile(t *testing.T) {
	e := newEnv(t)
	e.write(map[string]string{"keep": "k", "drop": "d", "other": "o", ".dockerignore": "keep\n"})
	dfDir := t.TempDir()
	df := filepath.Join(dfDir, "build.Dockerfile")
	if err := os.WriteFile(df, []byte("FROM busybox\nCOPY . /c/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(df+".dockerignore", []byte("drop\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, _ := e.mustBuild("unused", func(o *Options) { o.Dockerfile = df })
	fs := files(t, res.Image)
	if _, ok := fs["/c/drop"]; ok {
		t.Error("build.Dockerfile.dockerignore did not exclude drop")
	}
	if fs["/c/keep"].content != "k" || fs["/c/other"].content != "o" {
		t.Errorf("the Dockerfile's own ignore file must replace .dockerignore: %v", keys(fs))
	}
}
