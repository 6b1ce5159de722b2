package format

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"text/template"
)

// funcs are the template functions docker's --format offers.
var funcs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"join":  strings.Join,
	"split": strings.Split,
	"lower": strings.ToLower,
	"upper": strings.ToUpper,
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
	"pad": func(s string, left, right int) string {
		return strings.Repeat(" ", left) + s + strings.Repeat(" ", right)
	},
	"truncate": func(s string, n int) string {
		if len(s) > n {
			return s[:n]
		}
		return s
	},
	"println": fmt.Sprintln,
}

// Template is a parsed --format value. "table" at its start (docker's
// directive) prints a header row and aligns columns; "json" prints each value
// as one JSON line.
type Template struct {
	table bool
	json  bool
	tmpl  *template.Template
}

// Parse reads a --format value. Headers maps field names ("ID", "Names") to
// their column titles for table output.
func Parse(format string) (*Template, error) {
	t := &Template{}
	switch {
	case format == "json":
		t.json = true
		return t, nil
	case strings.HasPrefix(format, "table"):
		t.table = true
		format = strings.TrimSpace(strings.TrimPrefix(format, "table"))
	}
	format = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(format)
	tmpl, err := template.New("format").Funcs(funcs).Parse(format)
	if err != nil {
		return nil, fmt.Errorf("invalid --format template: %w", err)
	}
	t.tmpl = tmpl
	return t, nil
}

// Execute writes one line per row. For a table, headers gives the column
// titles by field name; the header row is the template run over it.
func (t *Template) Execute(w io.Writer, headers map[string]string, rows []any) error {
	if t.json {
		enc := json.NewEncoder(w)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	out := w
	var tw *tabwriter.Writer
	if t.table {
		tw = tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
		out = tw
		var head bytes.Buffer
		if err := t.tmpl.Execute(&head, headerRow(headers)); err != nil {
			return fmt.Errorf("formatting the header: %w", err)
		}
		fmt.Fprintln(out, strings.TrimRight(head.String(), "\n"))
	}
	for _, r := range rows {
		var line bytes.Buffer
		if err := t.tmpl.Execute(&line, r); err != nil {
			return fmt.Errorf("formatting: %w", err)
		}
		fmt.Fprintln(out, strings.TrimRight(line.String(), "\n"))
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}

// headerRow answers every field with its column title, and method-style
// fields (.Label "x") with the field name upper-cased.
type headerRow map[string]string

// Label makes `{{.Label "x"}}` print a header.
func (h headerRow) Label(name string) string { return strings.ToUpper(name) }

// Inspect runs an inspect --format template over each object, one line each.
// As docker does, a template that fails on the Go value (`{{.Id}}` where the
// field is ID) is run again over the object's JSON form, whose keys are
// docker's names; the first error is reported if both fail.
func Inspect(w io.Writer, format string, objs []any) error {
	tmpl, err := template.New("inspect").Funcs(funcs).Option("missingkey=error").Parse(format)
	if err != nil {
		return fmt.Errorf("invalid --format template: %w", err)
	}
	for _, o := range objs {
		var b bytes.Buffer
		if err := tmpl.Execute(&b, o); err != nil {
			b.Reset()
			if raw, ok := jsonForm(o); !ok || tmpl.Execute(&b, raw) != nil {
				return fmt.Errorf("formatting: %w", err)
			}
		}
		fmt.Fprintln(w, b.String())
	}
	return nil
}

// jsonForm is o as encoding/json sees it: maps keyed by the JSON names.
func jsonForm(o any) (any, bool) {
	data, err := json.Marshal(o)
	if err != nil {
		return nil, false
	}
	var raw any
	if json.Unmarshal(data, &raw) != nil {
		return nil, false
	}
	return raw, true
}
