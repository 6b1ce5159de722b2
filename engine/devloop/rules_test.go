package devloop

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestCheckRefusesBadRules(t *testing.T) {
	ctxDir := t.TempDir()
	cases := []struct {
		name string
		rule Rule
		want string
	}{
		{"path outside the context", Rule{Path: "../elsewhere", Action: Sync, Target: "/app"}, "outside the context"},
		{"relative target", Rule{Path: "src", Action: Sync, Target: "app"}, "absolute target"},
		{"target climbing out", Rule{Path: "src", Action: Sync, Target: "/app/../../etc"}, "climbs out"},
		{"unknown action", Rule{Path: "src", Action: "reload"}, `unknown action "reload"`},
		{"sync+exec without a command", Rule{Path: "src", Action: SyncExec, Target: "/app"}, "needs a command"},
		{"bad ignore pattern", Rule{Path: "src", Action: Rebuild, Ignore: []string{"["}}, "ignore"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Check(ctxDir, []Rule{c.rule})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Check: got %v, want an error containing %q", err, c.want)
			}
			if !errors.Is(err, ErrBadRule) {
				t.Errorf("error %v does not wrap ErrBadRule", err)
			}
		})
	}
}

func TestPlanBatch(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"src/a.js", "src/gen/b.js", "static/x.css", "go.mod"} {
		p := filepath.Join(dir, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(f), 0o644)
	}
	rules := []Rule{
		{Path: "src", Action: SyncExec, Target: "/app/src", Ignore: []string{"gen/"}, Exec: []string{"kill", "-HUP", "1"}},
		{Path: "static", Action: SyncRestart, Target: "/srv"},
		{Path: "go.mod", Action: Rebuild},
	}
	if err := Check(dir, rules); err != nil {
		t.Fatal(err)
	}
	abs := func(p string) string { return filepath.Join(dir, p) }

	p := PlanBatch(rules, Batch{Paths: []string{abs("src/a.js"), abs("src/gen/b.js"), abs("src/gone.js"), abs("README")}})
	want := []Copy{{Src: abs("src/a.js"), Dst: "/app/src/a.js"}, {Src: abs("src/gone.js"), Dst: "/app/src/gone.js", Removed: true}}
	if !reflect.DeepEqual(p.Sync, want) {
		t.Errorf("sync: got %+v, want %+v (gen/ ignored, README matched by no rule)", p.Sync, want)
	}
	if len(p.Exec) != 1 || p.Exec[0][0] != "kill" || p.Restart || p.Rebuild {
		t.Errorf("plan %+v: want one exec, no restart, no rebuild", p)
	}

	p = PlanBatch(rules, Batch{Paths: []string{abs("static/x.css")}})
	if !p.Restart || len(p.Sync) != 1 || p.Sync[0].Dst != "/srv/x.css" {
		t.Errorf("sync+restart plan: %+v", p)
	}

	p = PlanBatch(rules, Batch{Paths: []string{abs("static/x.css"), abs("go.mod")}})
	if !p.Rebuild || len(p.Sync) != 0 || p.Restart {
		t.Errorf("a rebuild must replace the rest: %+v", p)
	}

	p = PlanBatch(nil, Batch{Paths: []string{abs("README")}})
	if !p.Rebuild {
		t.Errorf("without rules a change rebuilds: %+v", p)
	}
}

func TestLoadComposeDevelopSection(t *testing.T) {
	dir := t.TempDir()
	compose := `services:
  db:
    image: busybox
  web:
    build:
      context: .
      dockerfile: web.Dockerfile
    init: true
    ports: ["127.0.0.1:18080:80"]
    environment:
      MODE: dev
    develop:
      watch:
        - path: ./site
          action: sync
          target: /srv
          ignore: ["*.draft"]
        - path: ./Dockerfile
          action: rebuild
        - path: ./conf
          action: sync+exec
          target: /etc/app
          exec:
            command: ["kill", "-HUP", "1"]
`
	file := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(file, []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	cs, err := LoadCompose(context.Background(), file, "")
	if err != nil {
		t.Fatal(err)
	}
	if cs.Name != "web" || !cs.Init || cs.Dockerfile != "web.Dockerfile" {
		t.Errorf("service: %+v", cs)
	}
	if !reflect.DeepEqual(cs.Ports, []string{"127.0.0.1:18080:80"}) || !reflect.DeepEqual(cs.Env, []string{"MODE=dev"}) {
		t.Errorf("ports %q env %q", cs.Ports, cs.Env)
	}
	if len(cs.Rules) != 3 || cs.Rules[0].Action != Sync || cs.Rules[0].Target != "/srv" ||
		cs.Rules[1].Action != Rebuild || !reflect.DeepEqual(cs.Rules[2].Exec, []string{"kill", "-HUP", "1"}) {
		t.Errorf("rules: %+v", cs.Rules)
	}
	if err := Check(dir, cs.Rules); err != nil {
		t.Errorf("the compose rules should check: %v", err)
	}
	if _, err := LoadCompose(context.Background(), file, "nosuch"); err == nil || !strings.Contains(err.Error(), `no service "nosuch"`) {
		t.Errorf("unknown service: %v", err)
	}
}

func TestParseSyncFlag(t *testing.T) {
	r, err := ParseSyncFlag("site:/srv")
	if err != nil || r.Path != "site" || r.Target != "/srv" || r.Action != Sync {
		t.Errorf("got %+v, %v", r, err)
	}
	for _, bad := range []string{"site", ":/srv", "site:"} {
		if _, err := ParseSyncFlag(bad); !errors.Is(err, ErrBadRule) {
			t.Errorf("--sync %q: got %v", bad, err)
		}
	}
}

func TestLoadComposeInterpolatesAndReadsLongForms(t *testing.T) {
	dir := t.TempDir()
	compose := `services:
  app:
    build: ${APP_DIR:-./app}
    init: "${USE_INIT}"
    ports:
      - target: 80
        published: "${PORT}"
        host_ip: 127.0.0.1
      - target: 53
        protocol: udp
      - 9000
    environment:
      - GREETING=hi ${WHO}
      - FROM_HOST
      - NOT_SET_ANYWHERE
    develop:
      watch:
        - path: src
          action: sync+restart
          target: /app
`
	os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o644)
	os.WriteFile(filepath.Join(dir, ".env"), []byte("PORT=18081\nWHO=file\nUSE_INIT=true\n"), 0o644)
	t.Setenv("WHO", "environment")
	t.Setenv("FROM_HOST", "yes")
	cs, err := LoadCompose(context.Background(), filepath.Join(dir, "compose.yaml"), "")
	if err != nil {
		t.Fatal(err)
	}
	if cs.Context != filepath.Join(dir, "app") || !cs.Init {
		t.Errorf("context %q init %v", cs.Context, cs.Init)
	}
	if want := []string{"127.0.0.1:18081:80", "53/udp", "9000"}; !reflect.DeepEqual(cs.Ports, want) {
		t.Errorf("ports %q, want %q", cs.Ports, want)
	}
	if want := []string{"GREETING=hi environment", "FROM_HOST=yes"}; !reflect.DeepEqual(cs.Env, want) {
		t.Errorf("env %q, want %q (the environment wins over .env; unset names are left out)", cs.Env, want)
	}
	if len(cs.Rules) != 1 || cs.Rules[0].Path != filepath.Join(dir, "src") || cs.Rules[0].Action != SyncRestart {
		t.Errorf("rules %+v", cs.Rules)
	}
	for body, want := range map[string]string{
		"services:\n  a:\n    image: x\n    init: maybe\n":                      "not true or false",
		"services:\n  a:\n    develop:\n      watch:\n        - action: sync\n": "path and action are required",
		"services:\n  a:\n    ports: [{published: 80}]\n":                       "needs a target",
		"services: [\n": "compose file",
		"services:\n  a:\n    environment:\n      X: ${MISSING:?set MISSING first}\n": "set MISSING first",
	} {
		f := filepath.Join(t.TempDir(), "compose.yaml")
		os.WriteFile(f, []byte(body), 0o644)
		if _, err := LoadCompose(context.Background(), f, ""); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want an error containing %q", body, err, want)
		}
	}
}
