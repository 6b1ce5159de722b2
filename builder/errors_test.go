package builder

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/builder/dockerfile"
)

func TestBadInput(t *testing.T) {
	cases := []struct {
		name       string
		dockerfile string
		opts       func(*Options)
		sentinel   error
		// want are substrings of the one-line message.
		want []string
	}{
		{"syntax", "FROM busybox\nENV PATH\n", nil, dockerfile.ErrSyntax, []string{"Dockerfile:2", "ENV PATH"}},
		{"unknown instruction", "FROM busybox\nFROB it\n", nil, dockerfile.ErrUnknownInstruction, []string{"Dockerfile:2", "FROB it", "unknown instruction FROB"}},
		{"unknown flag", "FROM busybox\nCOPY --bogus a /a\n", nil, dockerfile.ErrUnknownFlag, []string{"Dockerfile:2", "--bogus"}},
		{"unknown target", "FROM busybox AS a\n", func(o *Options) { o.Target = "b" }, dockerfile.ErrUnknownStage, []string{`"b"`}},
		{"instruction before FROM", "LABEL a=b\nFROM busybox\n", nil, dockerfile.ErrNoFrom, []string{"Dockerfile:1"}},
		{"outside context", "FROM busybox\nCOPY ../secret /s\n", nil, ErrOutsideContext, []string{"Dockerfile:2", "../secret"}},
		{"missing source", "FROM busybox\nCOPY nothere /s\n", nil, ErrSourceMissing, []string{"Dockerfile:2", "nothere"}},
		{"glob matches nothing", "FROM busybox\nCOPY *.none /s/\n", nil, ErrSourceMissing, []string{"Dockerfile:2", "*.none"}},
		{"required arg", "ARG BASE\nFROM ${BASE}\n", nil, ErrArgRequired, []string{"Dockerfile:2", "${BASE}", "--build-arg"}},
		{"run without runner", "FROM busybox\nCOPY a /a\nRUN echo hi\n", nil, ErrNoRunner, []string{"Dockerfile:3", "RUN echo hi", "runner"}},
		{"unknown user", "FROM busybox\nCOPY --chown=nobody2 a /a\n", nil, ErrNoSuchUser, []string{"Dockerfile:2", "nobody2"}},
		{"unknown base", "FROM nothere:1\n", nil, ErrSourceMissing, []string{"Dockerfile:1", "nothere:1"}},
		{"bad chmod", "FROM busybox\nCOPY --chmod=u+x a /a\n", nil, dockerfile.ErrInvalid, []string{"Dockerfile:2", "u+x"}},
		{"many sources to a file", "FROM busybox\nCOPY a b /dest\n", nil, dockerfile.ErrInvalid, []string{"Dockerfile:2", "ending in /"}},
		{"foreign platform", "FROM --platform=linux/s390x busybox\n", nil, dockerfile.ErrInvalid, []string{"Dockerfile:1", "s390x"}},
		{"shell not JSON", "FROM busybox\nSHELL /bin/sh -c\n", nil, dockerfile.ErrInvalid, []string{"Dockerfile:2", "JSON"}},
		{"onbuild onbuild", "FROM busybox\nONBUILD ONBUILD LABEL a=b\n", nil, dockerfile.ErrInvalid, []string{"Dockerfile:2"}},
		{"bad port", "FROM busybox\nEXPOSE 80/xyz\n", nil, dockerfile.ErrInvalid, []string{"Dockerfile:2", "xyz"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.write(map[string]string{"a": "a", "b": "b"})
			var mods []func(*Options)
			if c.opts != nil {
				mods = append(mods, c.opts)
			}
			_, _, err := e.build(c.dockerfile, mods...)
			if err == nil {
				t.Fatal("built without error")
			}
			if !errors.Is(err, c.sentinel) {
				t.Errorf("error %q does not wrap %v", err, c.sentinel)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error is more than one line: %q", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %q", msg, w)
				}
			}
			if e.store.writes != 0 {
				t.Errorf("a failed build wrote %d images", e.store.writes)
			}
		})
	}
}

func TestSymlinkCannotLeaveContext(t *testing.T) {
	e := newEnv(t)
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("host secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(e.ctxDir, "link")); err != nil {
		t.Fatal(err)
	}
	res, _, err := e.build("FROM busybox\nCOPY link /got\n")
	if err == nil {
		if f := files(t, res.Image)["/got"]; strings.Contains(f.content, "host secret") {
			t.Fatal("a symlink in the context copied a file from outside it")
		}
	} else if !errors.Is(err, ErrSourceMissing) {
		t.Fatalf("error %v, want it to be a missing source", err)
	}
	// A link inside a copied directory stays a link.
	if err := os.MkdirAll(filepath.Join(e.ctxDir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(e.ctxDir, "d/l")); err != nil {
		t.Fatal(err)
	}
	res, _ = e.mustBuild("FROM busybox\nCOPY d /d\n")
	if f := files(t, res.Image)["/d/l"]; f.hdr.Linkname != secret || f.content != "" {
		t.Fatalf("/d/l = %+v %q, want the link itself", f.hdr, f.content)
	}
}

func TestCanceledBuildWritesNothing(t *testing.T) {
	e := newEnv(t)
	e.write(map[string]string{"a": "a", "Dockerfile": "FROM busybox\nCOPY a /a\n"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Build(ctx, Options{ContextDir: e.ctxDir, Tags: []string{"out"}, Source: e.store, Sink: e.store, CacheDir: e.cache})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled build returned %v", err)
	}
	if e.store.writes != 0 {
		t.Fatal("a canceled build wrote an image")
	}
}

func TestOnbuildTriggers(t *testing.T) {
	e := newEnv(t)
	e.write(map[string]string{"app.txt": "app"})
	base, _ := e.mustBuild("FROM busybox\nONBUILD COPY app.txt /from-trigger\nONBUILD LABEL triggered=yes\n")
	e.store.images["onbuild-base"] = base.Image
	res, _ := e.mustBuild("FROM onbuild-base\nLABEL own=yes\n")
	cf := config(t, res.Image)
	if cf.Config.Labels["triggered"] != "yes" || cf.Config.Labels["own"] != "yes" {
		t.Errorf("labels %v", cf.Config.Labels)
	}
	if len(cf.Config.OnBuild) != 0 {
		t.Errorf("triggers passed on to the child: %q", cf.Config.OnBuild)
	}
	if files(t, res.Image)["/from-trigger"].content != "app" {
		t.Error("the ONBUILD COPY did not run")
	}
}

func TestEscapeDirectiveAndStdin(t *testing.T) {
	e := newEnv(t)
	df := "# escape=`\nFROM busybox\nLABEL a=\"x`\"y\" `\n  b=c\nENV P=C:\\dir\n"
	res, _, err := e.build("unused", func(o *Options) {
		o.DockerfileData = []byte(df)
		o.ContextDir = ""
	})
	if err != nil {
		t.Fatal(err)
	}
	cf := config(t, res.Image)
	if cf.Config.Labels["a"] != `x"y` {
		t.Errorf("labels %v", cf.Config.Labels)
	}
	found := false
	for _, kv := range cf.Config.Env {
		found = found || kv == `P=C:\dir`
	}
	if !found {
		t.Errorf("env %q lacks P=C:\\dir", cf.Config.Env)
	}
}
