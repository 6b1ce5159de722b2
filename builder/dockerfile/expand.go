package dockerfile

import (
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// Vars is an ordered set of variables for word expansion: the stage's ENV
// and the ARGs in scope. It satisfies the shell lexer's EnvGetter.
type Vars struct {
	keys []string
	m    map[string]string
}

var _ shell.EnvGetter = (*Vars)(nil)

// NewVars returns Vars holding the KEY=VALUE pairs of env, later keys winning.
func NewVars(env []string) *Vars {
	v := &Vars{m: map[string]string{}}
	for _, kv := range env {
		k, val, _ := strings.Cut(kv, "=")
		v.Set(k, val)
	}
	return v
}

// Get returns the variable's value and whether it is set.
func (v *Vars) Get(k string) (string, bool) { val, ok := v.m[k]; return val, ok }

// Keys returns the variable names in the order they were first set.
func (v *Vars) Keys() []string { return append([]string(nil), v.keys...) }

// Set sets a variable, keeping its first position.
func (v *Vars) Set(k, val string) {
	if _, ok := v.m[k]; !ok {
		v.keys = append(v.keys, k)
	}
	v.m[k] = val
}

// Delete removes a variable.
func (v *Vars) Delete(k string) {
	if _, ok := v.m[k]; !ok {
		return
	}
	delete(v.m, k)
	for i, key := range v.keys {
		if key == k {
			v.keys = append(v.keys[:i], v.keys[i+1:]...)
			break
		}
	}
}

// Clone returns an independent copy.
func (v *Vars) Clone() *Vars {
	c := &Vars{keys: append([]string(nil), v.keys...), m: make(map[string]string, len(v.m))}
	for k, val := range v.m {
		c.m[k] = val
	}
	return c
}

// Env returns the variables as KEY=VALUE in order.
func (v *Vars) Env() []string {
	out := make([]string, 0, len(v.keys))
	for _, k := range v.keys {
		out = append(out, k+"="+v.m[k])
	}
	return out
}

// Overlay returns a copy of v with every variable of top set over it.
func (v *Vars) Overlay(top *Vars) *Vars {
	c := v.Clone()
	for _, k := range top.keys {
		c.Set(k, top.m[k])
	}
	return c
}

// Expander expands words the way the Dockerfile reference describes, with
// the file's escape character.
type Expander struct {
	Escape rune
}

// Word expands one word: quotes removed, variables substituted. It also
// returns the names of the variables the word used.
func (e Expander) Word(word string, env shell.EnvGetter) (string, []string, error) {
	lex := shell.NewLex(e.Escape)
	res, err := lex.ProcessWordWithMatches(word, env)
	if err != nil {
		return "", nil, err
	}
	used := make([]string, 0, len(res.Matched))
	for k := range res.Matched {
		used = append(used, k)
	}
	sort.Strings(used)
	return res.Result, used, nil
}

// Words expands a string and splits it into words at unquoted blanks.
func (e Expander) Words(s string, env shell.EnvGetter) ([]string, error) {
	return shell.NewLex(e.Escape).ProcessWords(s, env)
}

// Pairs returns the KEY VALUE pairs of an ENV or LABEL instruction, which the
// parser gives as (key, value, separator) triples.
func (in *Instruction) Pairs() ([][2]string, error) {
	if len(in.Args)%3 != 0 || len(in.Args) == 0 {
		return nil, in.Errorf(ErrInvalid, "%s needs KEY=VALUE pairs", strings.ToUpper(in.Cmd))
	}
	var out [][2]string
	for i := 0; i+2 < len(in.Args); i += 3 {
		out = append(out, [2]string{in.Args[i], in.Args[i+1]})
	}
	return out, nil
}

// ArgDecl is one name declared by an ARG instruction.
type ArgDecl struct {
	Name       string
	Default    string
	HasDefault bool
}

// ArgDecls returns the names an ARG instruction declares.
func (in *Instruction) ArgDecls() ([]ArgDecl, error) {
	if len(in.Args) == 0 {
		return nil, in.Errorf(ErrInvalid, "ARG needs a name")
	}
	var out []ArgDecl
	for _, a := range in.Args {
		name, def, has := strings.Cut(a, "=")
		if name == "" {
			return nil, in.Errorf(ErrInvalid, "ARG with an empty name")
		}
		out = append(out, ArgDecl{Name: name, Default: def, HasDefault: has})
	}
	return out, nil
}

// Heredoc expands variables in a here-document's content, leaving quotes as
// they are, as buildkit does.
func (e Expander) Heredoc(content string, env shell.EnvGetter) (string, error) {
	lex := shell.NewLex(e.Escape)
	lex.SkipProcessQuotes = true
	out, _, err := lex.ProcessWord(content, env)
	return out, err
}
