package cache

import (
	"strings"
	"testing"
)

func TestExplain(t *testing.T) {
	base := Inputs{Parent: "p", Instruction: "COPY . /", Args: map[string]string{"A": "1"}, Files: map[string]string{"a": "1", "b": "2"}}
	for _, c := range []struct {
		name string
		mod  func(*Inputs)
		want string
	}{
		{"same", func(*Inputs) {}, ""},
		{"instruction", func(in *Inputs) { in.Instruction = "COPY . /x" }, `instruction changed: was "COPY . /"`},
		{"arg", func(in *Inputs) { in.Args = map[string]string{"A": "2"} }, `build arg A changed from "1" to "2"`},
		{"arg gone", func(in *Inputs) { in.Args = nil }, `build arg A no longer set`},
		{"file", func(in *Inputs) { in.Files = map[string]string{"a": "9", "b": "2"} }, "file a changed"},
		{"added", func(in *Inputs) { in.Files = map[string]string{"a": "1", "b": "2", "c": "3"} }, "file c added"},
		{"removed", func(in *Inputs) { in.Files = map[string]string{"a": "1"} }, "file b removed"},
		{"many", func(in *Inputs) {
			in.Files = map[string]string{"a": "1", "b": "2", "c": "", "d": "", "e": "", "f": ""}
		}, "files c, d, e and 1 more added"},
	} {
		cur := base
		cur.Args = map[string]string{"A": "1"}
		cur.Files = map[string]string{"a": "1", "b": "2"}
		c.mod(&cur)
		got := Explain(&base, &cur)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: Explain = %q, want %q", c.name, got, c.want)
		}
		if c.want == "" && base.Key() != cur.Key() {
			t.Errorf("same inputs, different keys")
		}
		if c.want != "" && base.Key() == cur.Key() {
			t.Errorf("%s: different inputs, same key", c.name)
		}
	}
	moved := base
	moved.Line = 99
	if moved.Key() != base.Key() {
		t.Error("the line is part of the key")
	}
}
