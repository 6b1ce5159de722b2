package devloop

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
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
				return fmt.Errorf("watch path %s: ignore: %w", r.Path, err)
			}
			r.ignore = pm
		}
	}
	return nil
}

// LoadCompose reads the develop.watch rules of service (or of the only
// service, or of the one whose build context is contextDir) from a compose
// file, with the compose specification's own loader.
func LoadCompose(ctx context.Context, file, service string) ([]Rule, string, error) {
	opts, err := cli.NewProjectOptions([]string{file}, cli.WithWorkingDirectory(filepath.Dir(file)), cli.WithOsEnv, cli.WithName("berth"))
	if err != nil {
		return nil, "", fmt.Errorf("compose file %s: %w", file, err)
	}
	p, err := opts.LoadProject(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("compose file %s: %w", file, err)
	}
	var svc *types.ServiceConfig
	for name, s := range p.Services {
		if service == "" && (len(p.Services) == 1 || s.Develop != nil) || name == service {
			s := s
			svc = &s
			break
		}
	}
	if svc == nil {
		return nil, "", fmt.Errorf("compose file %s: no service %q with a develop section", file, service)
	}
	ctxDir := ""
	if svc.Build != nil {
		ctxDir = svc.Build.Context
	}
	if svc.Develop == nil {
		return nil, ctxDir, nil
	}
	var rules []Rule
	for _, t := range svc.Develop.Watch {
		r := Rule{Path: t.Path, Action: Action(t.Action), Target: t.Target, Ignore: t.Ignore}
		if len(t.Exec.Command) > 0 {
			r.Exec = t.Exec.Command
		}
		rules = append(rules, r)
	}
	return rules, ctxDir, nil
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
