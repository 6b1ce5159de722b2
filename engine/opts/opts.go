// Package opts turns the values of docker-style run flags (-m 512m, --cpus
// 1.5, -e, --env-file, -v, --mount, --tmpfs, --restart, -l) into the engine's
// container configuration. The command line and the UI's run form share it, so
// a bad value gets the same one-line error, naming the value, in both.
package opts

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/berth-dev/berth/engine/container"
)

// ParseBytes reads a size in docker's units: a number with an optional b, k,
// m, g or t suffix (powers of 1024; kb, mb, ... and kib, mib too).
func ParseBytes(s string) (int64, error) {
	orig := s
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimSuffix(strings.TrimSuffix(s, "ib"), "b")
	mult := int64(1)
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'k':
			mult = 1 << 10
		case 'm':
			mult = 1 << 20
		case 'g':
			mult = 1 << 30
		case 't':
			mult = 1 << 40
		}
		if mult > 1 {
			s = s[:n-1]
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || s == "" {
		return 0, fmt.Errorf("invalid size %q: use a number with an optional unit (b, k, m, g)", orig)
	}
	return int64(f * float64(mult)), nil
}

// ParseCPUs reads --cpus: a positive decimal number of CPUs.
func ParseCPUs(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("invalid --cpus %q: give a positive number such as 0.5 or 2", s)
	}
	return f, nil
}

// ParseEnv reads -e values: KEY=VALUE, or KEY alone to take the value from
// berth's own environment (left out when it is unset there, as docker does).
func ParseEnv(values []string) ([]string, error) {
	var out []string
	for _, v := range values {
		key, val, hasVal := strings.Cut(v, "=")
		if key == "" || strings.ContainsFunc(key, unicode.IsSpace) {
			return nil, fmt.Errorf("invalid environment variable %q", v)
		}
		if !hasVal {
			if env, ok := os.LookupEnv(key); ok {
				out = append(out, key+"="+env)
			}
			continue
		}
		out = append(out, key+"="+val)
	}
	return out, nil
}

// ReadEnvFile reads an --env-file as docker does: one KEY=VALUE a line, lines
// starting with # are comments, a KEY alone takes its value from berth's
// environment, and quotes are kept as they are.
func ReadEnvFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading env file: %w", err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimLeftFunc(sc.Text(), unicode.IsSpace)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, _, _ := strings.Cut(line, "=")
		if key == "" || strings.ContainsFunc(key, unicode.IsSpace) {
			return nil, fmt.Errorf("env file %s line %d: invalid variable name %q", path, n, key)
		}
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading env file %s: %w", path, err)
	}
	return ParseEnv(lines)
}

// ParseLabels reads -l KEY=VALUE values (a KEY alone gets an empty value).
func ParseLabels(values []string) (map[string]string, error) {
	out := map[string]string{}
	for _, v := range values {
		k, val, _ := strings.Cut(v, "=")
		if k == "" {
			return nil, fmt.Errorf("invalid label %q: want KEY=VALUE", v)
		}
		out[k] = val
	}
	return out, nil
}

// ParseRestart reads --restart: no, always, unless-stopped, on-failure[:N].
func ParseRestart(s string) (container.RestartPolicy, error) {
	name, count, hasCount := strings.Cut(s, ":")
	p := container.RestartPolicy{Name: name}
	switch name {
	case "", "no", "always", "unless-stopped":
		if hasCount {
			return p, fmt.Errorf("invalid restart policy %q: only on-failure takes a retry count", s)
		}
		if name == "" {
			p.Name = "no"
		}
	case "on-failure":
		if hasCount {
			n, err := strconv.Atoi(count)
			if err != nil || n < 0 {
				return p, fmt.Errorf("invalid restart policy %q: the retry count must be a whole number", s)
			}
			p.MaxRetries = n
		}
	default:
		return p, fmt.Errorf("invalid restart policy %q: use no, always, unless-stopped or on-failure[:N]", s)
	}
	return p, nil
}

// ParseVolume reads -v: SOURCE:TARGET[:OPTIONS] or TARGET alone (an anonymous
// volume). A SOURCE that is an absolute or relative path is a bind mount;
// otherwise it names a volume. Options: ro, rw, z, Z, and propagation modes.
func ParseVolume(s string) (container.Mount, error) {
	parts := strings.Split(s, ":")
	var m container.Mount
	switch len(parts) {
	case 1:
		m = container.Mount{Type: "volume", Target: parts[0]}
	case 2, 3:
		m = container.Mount{Source: parts[0], Target: parts[1]}
		if len(parts) == 3 {
			for _, o := range strings.Split(parts[2], ",") {
				switch o {
				case "ro":
					m.ReadOnly = true
				case "rw", "z", "Z", "":
				case "private", "rprivate", "shared", "rshared", "slave", "rslave", "nocopy":
					m.Options = append(m.Options, o)
				default:
					return m, fmt.Errorf("invalid volume %q: unknown option %q", s, o)
				}
			}
		}
		if m.Source == "" {
			return m, fmt.Errorf("invalid volume %q: empty source", s)
		}
		if strings.HasPrefix(m.Source, "/") || strings.HasPrefix(m.Source, ".") {
			m.Type = "bind"
			abs, err := filepath.Abs(m.Source)
			if err != nil {
				return m, fmt.Errorf("invalid volume %q: %w", s, err)
			}
			m.Source = abs
		} else {
			m.Type = "volume"
		}
	default:
		return m, fmt.Errorf("invalid volume %q: want SOURCE:TARGET[:OPTIONS]", s)
	}
	if !strings.HasPrefix(m.Target, "/") {
		return m, fmt.Errorf("invalid volume %q: the target %q must be an absolute path", s, m.Target)
	}
	m.Target = filepath.Clean(m.Target)
	return m, nil
}

// ParseMount reads --mount: comma-separated key=value fields, with type
// (bind, volume, tmpfs), source/src, target/destination/dst, readonly/ro,
// bind-propagation, tmpfs-size and tmpfs-mode.
func ParseMount(s string) (container.Mount, error) {
	m := container.Mount{Type: "volume"}
	for _, field := range strings.Split(s, ",") {
		k, v, hasV := strings.Cut(field, "=")
		switch strings.ToLower(k) {
		case "type":
			if v != "bind" && v != "volume" && v != "tmpfs" {
				return m, fmt.Errorf("invalid mount %q: unknown type %q", s, v)
			}
			m.Type = v
		case "source", "src":
			m.Source = v
		case "target", "destination", "dst":
			m.Target = v
		case "readonly", "ro":
			ro := !hasV || v == "1" || v == "true"
			if hasV && v != "0" && v != "false" && !ro {
				return m, fmt.Errorf("invalid mount %q: readonly takes true or false", s)
			}
			m.ReadOnly = ro
		case "bind-propagation":
			m.Options = append(m.Options, v)
		case "tmpfs-size":
			n, err := ParseBytes(v)
			if err != nil {
				return m, fmt.Errorf("invalid mount %q: %w", s, err)
			}
			m.Options = append(m.Options, "size="+strconv.FormatInt(n, 10))
		case "tmpfs-mode":
			if _, err := strconv.ParseUint(v, 8, 32); err != nil {
				return m, fmt.Errorf("invalid mount %q: tmpfs-mode must be octal", s)
			}
			m.Options = append(m.Options, "mode="+v)
		case "volume-nocopy":
			m.Options = append(m.Options, "nocopy")
		default:
			return m, fmt.Errorf("invalid mount %q: unknown field %q", s, k)
		}
	}
	if m.Target == "" || !strings.HasPrefix(m.Target, "/") {
		return m, fmt.Errorf("invalid mount %q: target must be an absolute path", s)
	}
	if m.Type == "bind" {
		if !strings.HasPrefix(m.Source, "/") {
			return m, fmt.Errorf("invalid mount %q: a bind source must be an absolute path", s)
		}
		if _, err := os.Stat(m.Source); err != nil {
			return m, fmt.Errorf("invalid mount %q: bind source path does not exist: %s", s, m.Source)
		}
	}
	if m.Type == "tmpfs" && m.Source != "" {
		return m, fmt.Errorf("invalid mount %q: a tmpfs takes no source", s)
	}
	m.Target = filepath.Clean(m.Target)
	return m, nil
}

// ParseTmpfs reads --tmpfs: TARGET[:OPTIONS], options as mount(8) takes them.
func ParseTmpfs(s string) (container.Mount, error) {
	target, options, _ := strings.Cut(s, ":")
	if !strings.HasPrefix(target, "/") {
		return container.Mount{}, fmt.Errorf("invalid tmpfs %q: the target must be an absolute path", s)
	}
	m := container.Mount{Type: "tmpfs", Target: filepath.Clean(target)}
	if options != "" {
		for _, o := range strings.Split(options, ",") {
			if k, v, ok := strings.Cut(o, "="); ok && k == "size" {
				n, err := ParseBytes(v)
				if err != nil {
					return m, fmt.Errorf("invalid tmpfs %q: %w", s, err)
				}
				o = "size=" + strconv.FormatInt(n, 10)
			}
			if o == "ro" {
				m.ReadOnly = true
				continue
			}
			m.Options = append(m.Options, o)
		}
	}
	return m, nil
}
