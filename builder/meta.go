package builder

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/builder/dockerfile"
)

func (s *stageState) doEnv(in *dockerfile.Instruction) error {
	pairs, err := in.Pairs()
	if err != nil {
		return err
	}
	var parts []string
	vals := make([][2]string, 0, len(pairs))
	for _, p := range pairs {
		k, err := s.word(in, p[0])
		if err != nil {
			return err
		}
		v, err := s.word(in, p[1])
		if err != nil {
			return err
		}
		if k == "" {
			return in.Errorf(dockerfile.ErrInvalid, "ENV with an empty name")
		}
		vals = append(vals, [2]string{k, v})
		parts = append(parts, k+"="+v)
	}
	return s.metaStep(in, "ENV "+strings.Join(parts, " "), func() error {
		for _, kv := range vals {
			s.env.Set(kv[0], kv[1])
		}
		return nil
	})
}

func (s *stageState) doLabel(in *dockerfile.Instruction) error {
	pairs, err := in.Pairs()
	if err != nil {
		return err
	}
	var parts []string
	vals := make([][2]string, 0, len(pairs))
	for _, p := range pairs {
		k, err := s.word(in, p[0])
		if err != nil {
			return err
		}
		v, err := s.word(in, p[1])
		if err != nil {
			return err
		}
		if k == "" {
			return in.Errorf(dockerfile.ErrInvalid, "LABEL with an empty name")
		}
		vals = append(vals, [2]string{k, v})
		parts = append(parts, k+"="+v)
	}
	return s.metaStep(in, "LABEL "+strings.Join(parts, " "), func() error {
		if s.cfg.Config.Labels == nil {
			s.cfg.Config.Labels = map[string]string{}
		}
		for _, kv := range vals {
			s.cfg.Config.Labels[kv[0]] = kv[1]
		}
		return nil
	})
}

func (s *stageState) doMaintainer(in *dockerfile.Instruction) error {
	if len(in.Args) == 0 {
		return in.Errorf(dockerfile.ErrInvalid, "MAINTAINER needs a name")
	}
	name := strings.Join(in.Args, " ")
	return s.metaStep(in, "MAINTAINER "+name, func() error {
		s.cfg.Author = name
		return nil
	})
}

var portRE = regexp.MustCompile(`^(\d+)(?:-(\d+))?(?:/([a-zA-Z]+))?$`)

func (s *stageState) doExpose(in *dockerfile.Instruction) error {
	if len(in.Args) == 0 {
		return in.Errorf(dockerfile.ErrInvalid, "EXPOSE needs at least one port")
	}
	var ports []string
	for _, a := range in.Args {
		w, err := s.word(in, a)
		if err != nil {
			return err
		}
		m := portRE.FindStringSubmatch(w)
		if m == nil {
			return in.Errorf(dockerfile.ErrInvalid, "invalid port %q", w)
		}
		proto := strings.ToLower(m[3])
		switch proto {
		case "":
			proto = "tcp"
		case "tcp", "udp", "sctp":
		default:
			return in.Errorf(dockerfile.ErrInvalid, "invalid protocol %q in port %q", m[3], w)
		}
		lo, err1 := strconv.Atoi(m[1])
		hi := lo
		var err2 error
		if m[2] != "" {
			hi, err2 = strconv.Atoi(m[2])
		}
		if err1 != nil || err2 != nil || lo < 0 || hi > 65535 || hi < lo {
			return in.Errorf(dockerfile.ErrInvalid, "invalid port range %q", w)
		}
		for p := lo; p <= hi; p++ {
			ports = append(ports, fmt.Sprintf("%d/%s", p, proto))
		}
	}
	return s.metaStep(in, "EXPOSE "+strings.Join(ports, " "), func() error {
		if s.cfg.Config.ExposedPorts == nil {
			s.cfg.Config.ExposedPorts = map[string]struct{}{}
		}
		for _, p := range ports {
			s.cfg.Config.ExposedPorts[p] = struct{}{}
		}
		return nil
	})
}

func (s *stageState) doUser(in *dockerfile.Instruction) error {
	if len(in.Args) != 1 {
		return in.Errorf(dockerfile.ErrInvalid, "USER takes one user[:group]")
	}
	u, err := s.word(in, in.Args[0])
	if err != nil {
		return err
	}
	return s.metaStep(in, "USER "+u, func() error {
		s.cfg.Config.User = u
		return nil
	})
}

func (s *stageState) doVolume(in *dockerfile.Instruction) error {
	var vols []string
	for _, a := range in.Args {
		w := a
		if !in.JSON {
			var err error
			if w, err = s.word(in, a); err != nil {
				return err
			}
		}
		if strings.TrimSpace(w) == "" {
			return in.Errorf(dockerfile.ErrInvalid, "VOLUME with an empty path")
		}
		vols = append(vols, w)
	}
	if len(vols) == 0 {
		return in.Errorf(dockerfile.ErrInvalid, "VOLUME needs at least one path")
	}
	return s.metaStep(in, fmt.Sprintf("VOLUME %v", vols), func() error {
		if s.cfg.Config.Volumes == nil {
			s.cfg.Config.Volumes = map[string]struct{}{}
		}
		for _, v := range vols {
			s.cfg.Config.Volumes[v] = struct{}{}
		}
		return nil
	})
}

// command returns CMD, ENTRYPOINT or HEALTHCHECK CMD arguments: exec form
// as written, shell form wrapped in the stage's SHELL.
func (s *stageState) command(in *dockerfile.Instruction, args []string) []string {
	if in.JSON {
		return append([]string{}, args...)
	}
	return append(append([]string{}, s.shell...), strings.Join(args, " "))
}

func (s *stageState) doCmd(in *dockerfile.Instruction) error {
	cmd := s.command(in, in.Args)
	return s.metaStep(in, fmt.Sprintf("CMD %q", cmd), func() error {
		s.cfg.Config.Cmd = cmd
		s.cmdSet = true
		return nil
	})
}

func (s *stageState) doEntrypoint(in *dockerfile.Instruction) error {
	ep := s.command(in, in.Args)
	if !in.JSON && len(in.Args) == 0 {
		ep = nil
	}
	return s.metaStep(in, fmt.Sprintf("ENTRYPOINT %q", ep), func() error {
		s.cfg.Config.Entrypoint = ep
		if !s.cmdSet {
			s.cfg.Config.Cmd = nil // an inherited CMD does not survive a new ENTRYPOINT
		}
		return nil
	})
}

func (s *stageState) doShell(in *dockerfile.Instruction) error {
	if !in.JSON || len(in.Args) == 0 {
		return in.Errorf(dockerfile.ErrInvalid, "SHELL needs a JSON array, as in SHELL [\"/bin/sh\", \"-c\"]")
	}
	sh := append([]string{}, in.Args...)
	return s.metaStep(in, fmt.Sprintf("SHELL %v", sh), func() error {
		s.shell = sh
		s.cfg.Config.Shell = sh
		return nil
	})
}

func (s *stageState) doStopSignal(in *dockerfile.Instruction) error {
	if len(in.Args) != 1 {
		return in.Errorf(dockerfile.ErrInvalid, "STOPSIGNAL takes one signal")
	}
	sig, err := s.word(in, in.Args[0])
	if err != nil {
		return err
	}
	if !validSignal(sig) {
		return in.Errorf(dockerfile.ErrInvalid, "invalid signal %q", sig)
	}
	return s.metaStep(in, "STOPSIGNAL "+sig, func() error {
		s.cfg.Config.StopSignal = sig
		return nil
	})
}

func validSignal(sig string) bool {
	if n, err := strconv.Atoi(sig); err == nil {
		return n > 0 && n < 65
	}
	name := strings.TrimPrefix(strings.ToUpper(sig), "SIG")
	return regexp.MustCompile(`^(RTMIN|RTMAX)([+-]\d+)?$|^[A-Z0-9]+$`).MatchString(name) && name != ""
}

func (s *stageState) doHealthcheck(in *dockerfile.Instruction) error {
	if len(in.Args) == 0 {
		return in.Errorf(dockerfile.ErrInvalid, "HEALTHCHECK needs NONE or CMD")
	}
	hc := &v1.HealthConfig{}
	var startInterval time.Duration
	switch strings.ToUpper(in.Args[0]) {
	case "NONE":
		if len(in.Args) > 1 || len(in.Flags) > 0 {
			return in.Errorf(dockerfile.ErrInvalid, "HEALTHCHECK NONE takes no arguments")
		}
		hc.Test = []string{"NONE"}
	case "CMD":
		if len(in.Args) < 2 {
			return in.Errorf(dockerfile.ErrInvalid, "HEALTHCHECK CMD needs a command")
		}
		if in.JSON {
			hc.Test = append([]string{"CMD"}, in.Args[1:]...)
		} else {
			hc.Test = []string{"CMD-SHELL", strings.Join(in.Args[1:], " ")}
		}
		flags, err := in.ParseFlags(map[string]dockerfile.FlagKind{
			"interval": dockerfile.FlagString, "timeout": dockerfile.FlagString, "start-period": dockerfile.FlagString,
			"start-interval": dockerfile.FlagString, "retries": dockerfile.FlagString,
		})
		if err != nil {
			return err
		}
		for name, dst := range map[string]*time.Duration{"interval": &hc.Interval, "timeout": &hc.Timeout, "start-period": &hc.StartPeriod, "start-interval": &startInterval} {
			if v := flags.String(name); v != "" {
				d, err := time.ParseDuration(v)
				if err != nil || (d != 0 && d < time.Millisecond) {
					return in.Errorf(dockerfile.ErrInvalid, "--%s %q must be a duration of at least 1ms", name, v)
				}
				*dst = d
			}
		}
		if v := flags.String("retries"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return in.Errorf(dockerfile.ErrInvalid, "--retries %q must be a number of at least 0", v)
			}
			hc.Retries = n
		}
	default:
		return in.Errorf(dockerfile.ErrInvalid, "unknown HEALTHCHECK type %q: use CMD or NONE", in.Args[0])
	}
	return s.metaStep(in, fmt.Sprintf("HEALTHCHECK &{%q %q %q %q %d}", hc.Test, hc.Interval, hc.Timeout, hc.StartPeriod, hc.Retries), func() error {
		s.cfg.Config.Healthcheck = hc
		s.startInterval = startInterval
		return nil
	})
}

var onbuildRE = regexp.MustCompile(`(?i)^\s*ONBUILD\s*`)

func (s *stageState) doOnbuild(in *dockerfile.Instruction) error {
	if in.Node == nil || in.Node.Next == nil || len(in.Node.Next.Children) == 0 {
		return in.Errorf(dockerfile.ErrInvalid, "ONBUILD needs an instruction")
	}
	switch strings.ToUpper(in.Node.Next.Children[0].Value) {
	case "ONBUILD":
		return in.Errorf(dockerfile.ErrInvalid, "chaining ONBUILD via ONBUILD ONBUILD is not allowed")
	case "FROM", "MAINTAINER":
		return in.Errorf(dockerfile.ErrInvalid, "%s is not allowed as an ONBUILD trigger", strings.ToUpper(in.Node.Next.Children[0].Value))
	}
	expr := onbuildRE.ReplaceAllString(in.Original, "")
	return s.metaStep(in, "ONBUILD "+expr, func() error {
		s.cfg.Config.OnBuild = append(s.cfg.Config.OnBuild, expr)
		return nil
	})
}

// doWorkdir sets the WORKDIR and makes the directory, in a layer of its
// own when the stage does not have it yet.
func (s *stageState) doWorkdir(in *dockerfile.Instruction) error {
	if len(in.Args) != 1 {
		return in.Errorf(dockerfile.ErrInvalid, "WORKDIR takes one path")
	}
	w, err := s.word(in, in.Args[0])
	if err != nil {
		return err
	}
	if w == "" {
		return in.Errorf(dockerfile.ErrInvalid, "WORKDIR with an empty path")
	}
	dir := s.resolvePath(w)
	s.cfg.Config.WorkingDir = dir
	return s.workdirStep(in, "WORKDIR "+dir, path.Clean(dir))
}
