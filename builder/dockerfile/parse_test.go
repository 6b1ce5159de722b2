package dockerfile

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseStages(t *testing.T) {
	df, err := Parse("Dockerfile", strings.NewReader(`# syntax=docker/dockerfile:1.7
ARG BASE=alpine
FROM $BASE AS Build
COPY --from=x --link a b
FROM build
RUN <<EOF
echo hi
EOF
`))
	if err != nil {
		t.Fatal(err)
	}
	if df.Syntax != "docker/dockerfile:1.7" || len(df.MetaArgs) != 1 || len(df.Stages) != 2 {
		t.Fatalf("syntax %q, %d meta args, %d stages", df.Syntax, len(df.MetaArgs), len(df.Stages))
	}
	if st, ok := df.Stage("BUILD"); !ok || st.Index != 0 || st.Name != "build" {
		t.Fatalf("stage lookup: %+v %v", st, ok)
	}
	cp := df.Stages[0].Instructions[0]
	f, err := cp.ParseFlags(map[string]FlagKind{"from": FlagString, "link": FlagBool})
	if err != nil || f.String("from") != "x" || !f.Bool("link") || cp.Line != 4 {
		t.Fatalf("COPY flags %+v line %d: %v", f, cp.Line, err)
	}
	if _, err := cp.ParseFlags(map[string]FlagKind{"from": FlagString}); !errors.Is(err, ErrUnknownFlag) {
		t.Fatalf("unknown flag gave %v", err)
	}
	run := df.Stages[1].Instructions[0]
	if len(run.Heredocs) != 1 || run.Heredocs[0].Content != "echo hi\n" {
		t.Fatalf("heredocs %+v", run.Heredocs)
	}
}

func TestParseRejects(t *testing.T) {
	for src, want := range map[string]error{
		"FROM a AS b\nFROM c AS b\n": ErrInvalid,
		"FROM a AS 1x\n":             ErrInvalid,
		"FROM a b\n":                 ErrInvalid,
		"ARG x\n":                    ErrNoFrom,
		"FROM a\nBOGUS\n":            ErrUnknownInstruction,
	} {
		if _, err := Parse("Dockerfile", strings.NewReader(src)); !errors.Is(err, want) {
			t.Errorf("%q: %v, want %v", src, err, want)
		}
	}
}

func TestVars(t *testing.T) {
	v := NewVars([]string{"A=1", "B=2", "A=3"})
	v.Set("C", "4")
	v.Delete("B")
	if got := v.Env(); !reflect.DeepEqual(got, []string{"A=3", "C=4"}) {
		t.Fatalf("Env = %q", got)
	}
	o := v.Overlay(NewVars([]string{"C=5", "D=6"}))
	if got := o.Env(); !reflect.DeepEqual(got, []string{"A=3", "C=5", "D=6"}) || v.Env()[1] != "C=4" {
		t.Fatalf("Overlay = %q, base %q", got, v.Env())
	}
	e := Expander{Escape: '\\'}
	got, used, err := e.Word(`${A}-${UNSET:-dflt}-"$C"`, o)
	if err != nil || got != "3-dflt-5" || !reflect.DeepEqual(used, []string{"A", "C"}) {
		t.Fatalf("Word = %q %q %v", got, used, err)
	}
}
