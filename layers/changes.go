package layers

import (
	"encoding/json"
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// ApplyChanges applies Dockerfile instructions, as `docker import --change`
// takes them, to an image config: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER,
// WORKDIR, VOLUME and STOPSIGNAL.
func ApplyChanges(c *v1.Config, changes []string) error {
	for _, ch := range changes {
		ch = strings.TrimSpace(ch)
		instr, rest, _ := strings.Cut(ch, " ")
		rest = strings.TrimSpace(rest)
		var err error
		switch strings.ToUpper(instr) {
		case "CMD":
			c.Cmd, err = commandForm(rest)
		case "ENTRYPOINT":
			c.Entrypoint, err = commandForm(rest)
		case "ENV":
			var kv [][2]string
			if kv, err = keyValues(rest); err == nil {
				for _, p := range kv {
					c.Env = setEnv(c.Env, p[0], p[1])
				}
			}
		case "LABEL":
			var kv [][2]string
			if kv, err = keyValues(rest); err == nil {
				if c.Labels == nil {
					c.Labels = map[string]string{}
				}
				for _, p := range kv {
					c.Labels[p[0]] = p[1]
				}
			}
		case "EXPOSE":
			if c.ExposedPorts == nil {
				c.ExposedPorts = map[string]struct{}{}
			}
			for _, p := range strings.Fields(rest) {
				if !strings.Contains(p, "/") {
					p += "/tcp"
				}
				c.ExposedPorts[p] = struct{}{}
			}
		case "VOLUME":
			var vols []string
			if vols, err = listForm(rest); err == nil {
				if c.Volumes == nil {
					c.Volumes = map[string]struct{}{}
				}
				for _, v := range vols {
					c.Volumes[v] = struct{}{}
				}
			}
		case "USER":
			c.User = rest
		case "WORKDIR":
			c.WorkingDir = rest
		case "STOPSIGNAL":
			c.StopSignal = rest
		default:
			return fmt.Errorf("change %q: %s is not a valid change command", ch, instr)
		}
		if err != nil {
			return fmt.Errorf("change %q: %w", ch, err)
		}
		if rest == "" {
			return fmt.Errorf("change %q: %s needs an argument", ch, instr)
		}
	}
	return nil
}

// commandForm reads exec form (a JSON array) or shell form, which runs
// through /bin/sh -c.
func commandForm(s string) ([]string, error) {
	if strings.HasPrefix(s, "[") {
		var args []string
		if err := json.Unmarshal([]byte(s), &args); err == nil {
			return args, nil
		}
	}
	return []string{"/bin/sh", "-c", s}, nil
}

func listForm(s string) ([]string, error) {
	if strings.HasPrefix(s, "[") {
		var args []string
		if err := json.Unmarshal([]byte(s), &args); err == nil {
			return args, nil
		}
	}
	return words(s)
}

// keyValues reads "k=v k2='v 2'" or the old "k value" form.
func keyValues(s string) ([][2]string, error) {
	ws, err := words(s)
	if err != nil {
		return nil, err
	}
	if len(ws) > 0 && !strings.Contains(ws[0], "=") {
		k, v, _ := strings.Cut(s, " ")
		return [][2]string{{k, strings.TrimSpace(v)}}, nil
	}
	var out [][2]string
	for _, w := range ws {
		k, v, ok := strings.Cut(w, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%q is not key=value", w)
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}

// words splits s on blanks, honouring single and double quotes and
// backslash escapes, and removes the quotes.
func words(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord := false
	var quote rune
	esc := false
	for _, r := range s {
		switch {
		case esc:
			cur.WriteRune(r)
			esc = false
		case r == '\\' && quote != '\'':
			esc = true
			inWord = true
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote = r
			inWord = true
		case r == ' ' || r == '\t':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}

func setEnv(env []string, k, v string) []string {
	for i, e := range env {
		if strings.HasPrefix(e, k+"=") {
			env[i] = k + "=" + v
			return env
		}
	}
	return append(env, k+"="+v)
}
