package devloop

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/template"
	"go.yaml.in/yaml/v4"
)

// LoadCompose reads service (or the only service, or the first with a
// develop section) from a compose file: the part of the compose
// specification the dev loop uses (build, ports, environment, init,
// develop.watch), with the specification's own variable interpolation
// (from the environment and the project's .env). compose-go's whole loader
// is not used: its JSON-schema package compiles its schemas when the program
// starts, 4-5 ms that every berth process, supervisors included, would pay.
func LoadCompose(ctx context.Context, file, service string) (*ComposeService, error) {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("compose file %s: %s", file, fmt.Sprintf(format, a...))
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("compose file %s: %w", file, err)
	}
	dir, err := filepath.Abs(filepath.Dir(file))
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fail("%v", err)
	}
	vars, err := composeVars(dir)
	if err != nil {
		return nil, fail("%v", err)
	}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	if err := interpolate(doc, lookup); err != nil {
		return nil, fail("%v", err)
	}
	services, ok := doc["services"].(map[string]any)
	if !ok || len(services) == 0 {
		return nil, fail("no services")
	}
	names := make([]string, 0, len(services))
	for n := range services {
		names = append(names, n)
	}
	slices.Sort(names)
	var name string
	var svc map[string]any
	for _, n := range names {
		s, _ := services[n].(map[string]any)
		if n == service || service == "" && (len(services) == 1 || s["develop"] != nil) {
			name, svc = n, s
			break
		}
	}
	if name == "" {
		if service != "" {
			return nil, fail("no service %q", service)
		}
		return nil, fail("several services and none with a develop section: name one with --service")
	}
	cs := &ComposeService{Name: name}
	if cs.Init, err = boolField(svc, "init"); err != nil {
		return nil, fail("service %s: %v", name, err)
	}
	switch b := svc["build"].(type) {
	case nil:
	case string:
		cs.Context = absIn(dir, b)
	case map[string]any:
		c, _ := b["context"].(string)
		if c == "" {
			c = "."
		}
		cs.Context = absIn(dir, c)
		cs.Dockerfile, _ = b["dockerfile"].(string)
	default:
		return nil, fail("service %s: build: want a path or a mapping", name)
	}
	if cs.Ports, err = composePorts(svc["ports"]); err != nil {
		return nil, fail("service %s: %v", name, err)
	}
	if cs.Env, err = composeEnv(svc["environment"], lookup); err != nil {
		return nil, fail("service %s: %v", name, err)
	}
	if cs.Rules, err = composeWatch(svc["develop"], dir); err != nil {
		return nil, fail("service %s: develop: %v", name, err)
	}
	return cs, nil
}

// composeVars are the variables interpolation sees: the project's .env,
// overridden by the environment, as compose does.
func composeVars(dir string) (map[string]string, error) {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	dotfile := filepath.Join(dir, ".env")
	if _, err := os.Stat(dotfile); err != nil {
		return env, nil
	}
	fromFile, err := dotenv.GetEnvFromFile(env, []string{dotfile})
	if err != nil {
		return nil, err
	}
	for k, v := range fromFile {
		if _, set := env[k]; !set {
			env[k] = v
		}
	}
	return env, nil
}

// interpolate replaces ${VAR} and its forms in every string of the document.
func interpolate(v any, lookup template.Mapping) error {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			r, err := interpolated(e, lookup)
			if err != nil {
				return err
			}
			x[k] = r
		}
	case []any:
		for i, e := range x {
			r, err := interpolated(e, lookup)
			if err != nil {
				return err
			}
			x[i] = r
		}
	}
	return nil
}

// interpolated is a string with its variables replaced, or any other value
// with the strings inside it replaced in place.
func interpolated(v any, lookup template.Mapping) (any, error) {
	if s, ok := v.(string); ok {
		return template.Substitute(s, lookup)
	}
	return v, interpolate(v, lookup)
}

func absIn(dir, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, p)
}

// boolField reads a boolean that interpolation may have turned into text.
func boolField(m map[string]any, key string) (bool, error) {
	switch v := m[key].(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	case string:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, fmt.Errorf("%s: %q is not true or false", key, v)
		}
		return b, nil
	}
	return false, fmt.Errorf("%s: want true or false", key)
}

// composePorts turns the short syntax ("8080:80", 80) and the long one
// (target, published, host_ip, protocol) into -p values.
func composePorts(v any) ([]string, error) {
	list, ok := v.([]any)
	if v != nil && !ok {
		return nil, errors.New("ports: want a list")
	}
	var out []string
	for _, p := range list {
		switch x := p.(type) {
		case string:
			out = append(out, x)
		case int:
			out = append(out, strconv.Itoa(x))
		case map[string]any:
			target := fmt.Sprint(x["target"])
			if x["target"] == nil {
				return nil, errors.New("ports: a long-syntax port needs a target")
			}
			spec := target
			if pub := x["published"]; pub != nil && fmt.Sprint(pub) != "" {
				spec = fmt.Sprint(pub) + ":" + target
			}
			if ip, _ := x["host_ip"].(string); ip != "" {
				if !strings.Contains(spec, ":") {
					spec = ":" + spec
				}
				spec = ip + ":" + spec
			}
			if proto, _ := x["protocol"].(string); proto != "" && proto != "tcp" {
				spec += "/" + proto
			}
			out = append(out, spec)
		default:
			return nil, fmt.Errorf("ports: %v is not a port", p)
		}
	}
	return out, nil
}

// composeEnv reads environment as a mapping or a list; a name without a
// value takes the environment's, and is left out when unset.
func composeEnv(v any, lookup template.Mapping) ([]string, error) {
	var out []string
	switch x := v.(type) {
	case nil:
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			switch val := x[k].(type) {
			case nil:
				if s, ok := lookup(k); ok {
					out = append(out, k+"="+s)
				}
			default:
				out = append(out, k+"="+fmt.Sprint(val))
			}
		}
	case []any:
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("environment: %v is not KEY=VALUE", e)
			}
			if _, _, ok := strings.Cut(s, "="); ok {
				out = append(out, s)
			} else if val, ok := lookup(s); ok {
				out = append(out, s+"="+val)
			}
		}
	default:
		return nil, errors.New("environment: want a mapping or a list")
	}
	return out, nil
}

// composeWatch reads develop.watch into rules, their paths made absolute.
func composeWatch(v any, dir string) ([]Rule, error) {
	if v == nil {
		return nil, nil
	}
	dev, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("want a mapping")
	}
	list, ok := dev["watch"].([]any)
	if dev["watch"] != nil && !ok {
		return nil, errors.New("watch: want a list")
	}
	var rules []Rule
	for i, e := range list {
		w, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("watch[%d]: want a mapping", i)
		}
		path, _ := w["path"].(string)
		action, _ := w["action"].(string)
		if path == "" || action == "" {
			return nil, fmt.Errorf("watch[%d]: path and action are required", i)
		}
		r := Rule{Path: absIn(dir, path), Action: Action(action)}
		r.Target, _ = w["target"].(string)
		ignore, err := stringList(w["ignore"])
		if err != nil {
			return nil, fmt.Errorf("watch[%d]: ignore: %v", i, err)
		}
		r.Ignore = ignore
		if ex, ok := w["exec"].(map[string]any); ok {
			switch c := ex["command"].(type) {
			case string:
				r.Exec = []string{"/bin/sh", "-c", c}
			default:
				if r.Exec, err = stringList(c); err != nil {
					return nil, fmt.Errorf("watch[%d]: exec.command: %v", i, err)
				}
			}
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func stringList(v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, errors.New("want a list")
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		out = append(out, fmt.Sprint(e))
	}
	return out, nil
}
