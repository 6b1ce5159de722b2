package format

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestSizes(t *testing.T) {
	for n, want := range map[int64]string{0: "0B", 512: "512B", 1000: "1kB", 1234567: "1.235MB", 4_300_000_000: "4.3GB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %s, want %s", n, got, want)
		}
	}
	if got := BinarySize(3 << 20); got != "3MiB" {
		t.Errorf("BinarySize = %s", got)
	}
}

func TestDurationsAndStatus(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "Less than a second", time.Second: "1 second", 45 * time.Second: "45 seconds",
		90 * time.Second: "About a minute", 5 * time.Minute: "5 minutes", 61 * time.Minute: "About an hour",
		5 * time.Hour: "5 hours", 72 * time.Hour: "3 days", 15 * 24 * time.Hour: "2 weeks",
		90 * 24 * time.Hour: "3 months", 800 * 24 * time.Hour: "2 years",
	} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
	now := time.Now()
	if got := Status("running", 0, now.Add(-5*time.Minute), time.Time{}, now, "healthy"); got != "Up 5 minutes (healthy)" {
		t.Errorf("running: %q", got)
	}
	if got := Status("exited", 137, now.Add(-time.Hour), now.Add(-3*time.Second), now, ""); got != "Exited (137) 3 seconds ago" {
		t.Errorf("exited: %q", got)
	}
	if got := Status("created", 0, time.Time{}, time.Time{}, now, ""); got != "Created" {
		t.Errorf("created: %q", got)
	}
}

type row struct {
	ID    string
	Names string
	Size  int64
}

func TestTemplates(t *testing.T) {
	rows := []any{row{"abc", "web", 10}, row{"defghi", "db", 2000}}
	headers := map[string]string{"ID": "CONTAINER ID", "Names": "NAMES"}
	cases := map[string]string{
		"{{.ID}}":                          "abc\ndefghi\n",
		"{{.Names}} {{upper .Names}}":      "web WEB\ndb DB\n",
		"table {{.ID}}\\t{{.Names}}":       "CONTAINER ID   NAMES\nabc            web\ndefghi         db\n",
		"{{truncate .ID 2}}{{json .Size}}": "ab10\nde2000\n",
		"json":                             "{\"ID\":\"abc\",\"Names\":\"web\",\"Size\":10}\n{\"ID\":\"defghi\",\"Names\":\"db\",\"Size\":2000}\n",
	}
	for f, want := range cases {
		tm, err := Parse(f)
		if err != nil {
			t.Fatalf("Parse(%q): %v", f, err)
		}
		var b bytes.Buffer
		if err := tm.Execute(&b, headers, rows); err != nil {
			t.Fatalf("Execute(%q): %v", f, err)
		}
		if b.String() != want {
			t.Errorf("format %q:\n%q\nwant\n%q", f, b.String(), want)
		}
	}
	if _, err := Parse("{{.ID"); err == nil || !strings.Contains(err.Error(), "--format") {
		t.Fatalf("bad template: %v", err)
	}
	tm, _ := Parse("{{.Nope}}")
	if err := tm.Execute(&bytes.Buffer{}, nil, rows); err == nil {
		t.Fatal("unknown field accepted")
	}
}

func TestInspectFallsBackToJSONNames(t *testing.T) {
	type state struct {
		Status string `json:"Status"`
	}
	obj := struct {
		ID    string `json:"Id"`
		State state
	}{"abc", state{"running"}}
	for tmpl, want := range map[string]string{
		"{{.ID}}":                   "abc\n",
		"{{.Id}} {{.State.Status}}": "abc running\n",
		"{{json .State}}":           `{"Status":"running"}` + "\n",
		"{{upper .Id}}":             "ABC\n",
	} {
		var b bytes.Buffer
		if err := Inspect(&b, tmpl, []any{obj}); err != nil {
			t.Fatalf("%s: %v", tmpl, err)
		}
		if b.String() != want {
			t.Errorf("%s = %q, want %q", tmpl, b.String(), want)
		}
	}
	err := Inspect(new(bytes.Buffer), "{{.Nope}}", []any{obj})
	if err == nil || !strings.Contains(err.Error(), "Nope") {
		t.Errorf("unknown field: %v, want an error naming Nope", err)
	}
}
