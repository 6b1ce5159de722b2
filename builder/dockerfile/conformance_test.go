package dockerfile

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// conformanceDir holds buildkit's parser and lexer test data (see its README).
const conformanceDir = "../../../shared/conformance/dockerfile"

func conformance(t *testing.T, sub string) string {
	t.Helper()
	dir := filepath.Join(conformanceDir, sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("conformance data %s is absent: %v", dir, err)
	}
	return dir
}

func TestConformanceParserFiles(t *testing.T) {
	dir := conformance(t, "parser-testfiles")
	cases, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 30 {
		t.Fatalf("only %d cases in %s", len(cases), dir)
	}
	for _, c := range cases {
		t.Run(c.Name(), func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(dir, c.Name(), "Dockerfile"))
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join(dir, c.Name(), "result"))
			if err != nil {
				t.Fatal(err)
			}
			res, err := ParseAST("Dockerfile", src)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := res.AST.Dump() + "\n"; got != string(want) {
				t.Fatalf("dump differs\n got: %s\nwant: %s", got, want)
			}
			df, err := Parse("Dockerfile", bytes.NewReader(src))
			if err != nil {
				if errors.Is(err, ErrNoFrom) {
					return // a fragment without FROM: the parser accepts it, a build does not
				}
				t.Fatalf("grouping into stages: %v", err)
			}
			n := len(df.MetaArgs)
			for _, st := range df.Stages {
				n += 1 + len(st.Instructions)
			}
			if n != len(res.AST.Children) {
				t.Fatalf("stages hold %d instructions, the file %d", n, len(res.AST.Children))
			}
		})
	}
}

var locRE = regexp.MustCompile(`^Dockerfile:[0-9]+`)

func TestConformanceNegativeFiles(t *testing.T) {
	dir := conformance(t, "parser-testfiles-negative")
	cases, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name(), func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, c.Name(), "Dockerfile"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			_, err = Parse("Dockerfile", f)
			if err == nil {
				t.Fatal("parsed without error")
			}
			var de *Error
			if !errors.As(err, &de) || de.Line < 1 || !locRE.MatchString(err.Error()) {
				t.Fatalf("error %q is not located as file:line", err)
			}
		})
	}
}

func TestConformanceEnvVars(t *testing.T) {
	path := filepath.Join(conformance(t, "."), "envVarTest")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := NewVars([]string{"PWD=/home", "SHELL=bash", "KOREAN=한국어", "NULL="})
	e := Expander{Escape: '\\'}
	sc := bufio.NewScanner(f)
	n, lineNo := 0, 0
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		cols := strings.Split(strings.TrimSpace(line), "|")
		if len(cols) != 3 {
			t.Fatalf("line %d: %q has not 3 columns", lineNo, line)
		}
		if p := strings.TrimSpace(cols[0]); p == "W" {
			continue
		}
		src, want := strings.TrimSpace(cols[1]), strings.TrimSpace(cols[2])
		got, _, err := e.Word(src, env)
		n++
		if want == "error" {
			if err == nil {
				t.Errorf("line %d: %q expanded to %q, want an error", lineNo, src, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("line %d: %q = %q, %v; want %q", lineNo, src, got, err, want)
		}
	}
	if n < 50 {
		t.Fatalf("only %d cases ran", n)
	}
}

func TestConformanceWords(t *testing.T) {
	path := filepath.Join(conformance(t, "."), "wordsTest")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	e := Expander{Escape: '\\'}
	n := 0
	for i, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		if strings.HasPrefix(line, "ENV ") {
			env = append(env, strings.TrimLeft(line[3:], " "))
			continue
		}
		cols := strings.Split(line, "|")
		if len(cols) != 2 {
			t.Fatalf("line %d: %q needs one |", i+1, line)
		}
		in := strings.TrimSpace(cols[0])
		want := strings.Split(strings.TrimLeft(cols[1], " "), ",")
		got, err := e.Words(in, shell.EnvGetter(NewVars(env)))
		if err != nil {
			got = []string{"error"}
		}
		n++
		if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			t.Errorf("line %d: %q = %q, want %q", i+1, in, got, want)
		}
	}
	if n < 10 {
		t.Fatalf("only %d cases ran", n)
	}
}
