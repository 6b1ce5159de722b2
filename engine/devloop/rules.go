package devloop

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/moby/patternmatcher"
)

// Action is what a rule does with a change, in the compose specification's
// words.
type Action string

// The actions of develop.watch.
const (
	Sync        Action = "sync"
	Rebuild     Action = "rebuild"
	Restart     Action = "restart"
	SyncRestart Action = "sync+restart"
	SyncExec    Action = "sync+exec"
)

// Rule is one develop.watch trigger: changes under Path (inside the
// context) not matching Ignore lead to Action; synced files land under
// Target in the container; Exec runs after a sync+exec.
type Rule struct {
	Path   string
	Action Action
	Target string
	Ignore []string
	Exec   []string

	ignore *patternmatcher.PatternMatcher
}

// ErrBadRule is wrapped by every error about a rule.
var ErrBadRule = errors.New("invalid watch rule")

// Check validates rules against the context and prepares them: a path must
// lie inside the context, a target must be an absolute path, an action must
// be known.
func Check(contextDir string, rules []Rule) error {
	for i := range rules {
		r := &rules[i]
		if !filepath.IsAbs(r.Path) {
			r.Path = filepath.Join(contextDir, r.Path)
		}
		r.Path = filepath.Clean(r.Path)
		rel, err := filepath.Rel(contextDir, r.Path)
		if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
			return fmt.Errorf("watch path %s: outside the context %s: %w", r.Path, contextDir, ErrBadRule)
		}
		switch r.Action {
		case Sync, SyncRestart, SyncExec:
			if r.Target == "" || !filepath.IsAbs(r.Target) {
				return fmt.Errorf("watch path %s: action %s needs an absolute target in the container, got %q: %w", r.Path, r.Action, r.Target, ErrBadRule)
			}
			for _, el := range strings.Split(r.Target, "/") {
				if el == ".." {
					return fmt.Errorf("watch path %s: target %q climbs out of the container's root: %w", r.Path, r.Target, ErrBadRule)
				}
			}
			r.Target = filepath.Clean(r.Target)
			if r.Action == SyncExec && len(r.Exec) == 0 {
				return fmt.Errorf("watch path %s: sync+exec needs a command: %w", r.Path, ErrBadRule)
			}
		case Rebuild, Restart:
		default:
			return fmt.Errorf("watch path %s: unknown action %q (want sync, rebuild, restart, sync+restart or sync+exec): %w", r.Path, r.Action, ErrBadRule)
		}
		if len(r.Ignore) > 0 {
			pm, err := patternmatcher.New(r.Ignore)
			if err != nil {
				return fmt.Errorf("watch path %s: ignore %q: %v: %w", r.Path, r.Ignore, err, ErrBadRule)
			}
			r.ignore = pm
		}
	}
	return nil
}

// ComposeService is what the dev loop takes from a compose file's service:
// its develop.watch rules, its build context and Dockerfile, its published
// ports and its environment.
type ComposeService struct {
	Name       string
	Rules      []Rule
	Context    string
	Dockerfile string
	Ports      []string
	Env        []string
	Init       bool
}

// ParseSyncFlag reads a --sync SRC:DST flag (a sync rule) or --rebuild SRC.
func ParseSyncFlag(v string) (Rule, error) {
	src, dst, ok := strings.Cut(v, ":")
	if !ok || src == "" || dst == "" {
		return Rule{}, fmt.Errorf("--sync %q: want PATH:TARGET: %w", v, ErrBadRule)
	}
	return Rule{Path: src, Action: Sync, Target: dst}, nil
}

// matches reports whether the context path p (absolute) falls under r.
func (r *Rule) matches(p string) (string, bool) {
	rel, err := filepath.Rel(r.Path, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", false
	}
	if r.ignore != nil {
		if ok, _ := r.ignore.MatchesOrParentMatches(rel); ok {
			return "", false
		}
	}
	return rel, true
}
