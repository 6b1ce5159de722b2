package dockerfile

import (
	"strings"
)

// FlagKind says how a flag takes its value.
type FlagKind int

const (
	// FlagString takes one value: --from=x.
	FlagString FlagKind = iota
	// FlagBool takes none or true/false: --link, --link=false.
	FlagBool
	// FlagList may be repeated: --mount=..., --exclude=....
	FlagList
)

// Flags are an instruction's parsed flags.
type Flags struct {
	values map[string][]string
}

// String returns the flag's value, or "" when it was not given.
func (f Flags) String(name string) string {
	v := f.values[name]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// Has reports whether the flag was given.
func (f Flags) Has(name string) bool { _, ok := f.values[name]; return ok }

// Bool reports whether a boolean flag is set.
func (f Flags) Bool(name string) bool {
	v, ok := f.values[name]
	if !ok {
		return false
	}
	return len(v) == 0 || v[len(v)-1] == "" || strings.EqualFold(v[len(v)-1], "true")
}

// List returns every value of a repeatable flag.
func (f Flags) List(name string) []string { return f.values[name] }

// ParseFlags checks the instruction's flags against spec and returns them.
func (in *Instruction) ParseFlags(spec map[string]FlagKind) (Flags, error) {
	f := Flags{values: map[string][]string{}}
	for _, raw := range in.Flags {
		if !strings.HasPrefix(raw, "--") {
			return f, in.Errorf(ErrUnknownFlag, "invalid flag %q", raw)
		}
		name, val, hasVal := strings.Cut(raw[2:], "=")
		kind, ok := spec[name]
		if !ok {
			return f, in.Errorf(ErrUnknownFlag, "unknown flag --%s for %s", name, strings.ToUpper(in.Cmd))
		}
		switch kind {
		case FlagBool:
			if hasVal && val != "" && !strings.EqualFold(val, "true") && !strings.EqualFold(val, "false") {
				return f, in.Errorf(ErrInvalid, "flag --%s takes true or false, not %q", name, val)
			}
			f.values[name] = append(f.values[name], val)
		case FlagString:
			if !hasVal {
				return f, in.Errorf(ErrInvalid, "flag --%s needs a value", name)
			}
			f.values[name] = []string{val}
		case FlagList:
			if !hasVal {
				return f, in.Errorf(ErrInvalid, "flag --%s needs a value", name)
			}
			f.values[name] = append(f.values[name], val)
		}
	}
	return f, nil
}

// ParseFlagsNone rejects any flag, for instructions that take none.
func (in *Instruction) ParseFlagsNone() error {
	if len(in.Flags) == 0 || in.Cmd == "healthcheck" {
		return nil
	}
	_, err := in.ParseFlags(nil)
	return err
}
