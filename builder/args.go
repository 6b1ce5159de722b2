package builder

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"

	"github.com/berth-dev/berth/builder/dockerfile"
	"github.com/berth-dev/berth/builder/progress"
)

// proxyArgs may be passed with --build-arg without an ARG; RUN sees them,
// history and the cache do not.
var proxyArgs = map[string]bool{
	"HTTP_PROXY": true, "http_proxy": true, "HTTPS_PROXY": true, "https_proxy": true,
	"FTP_PROXY": true, "ftp_proxy": true, "NO_PROXY": true, "no_proxy": true,
	"ALL_PROXY": true, "all_proxy": true,
}

// platformArgs are the automatic platform ARGs; berth builds for the host
// platform only, so build and target are the same.
func platformArgs() map[string]string {
	p := runtime.GOOS + "/" + runtime.GOARCH
	variant := ""
	if runtime.GOARCH == "arm" {
		variant = "v7"
	}
	if variant != "" {
		p += "/" + variant
	}
	return map[string]string{
		"BUILDPLATFORM": p, "BUILDOS": runtime.GOOS, "BUILDARCH": runtime.GOARCH, "BUILDVARIANT": variant,
		"TARGETPLATFORM": p, "TARGETOS": runtime.GOOS, "TARGETARCH": runtime.GOARCH, "TARGETVARIANT": variant,
		"TARGETSTAGE": "",
	}
}

// evalMetaArgs evaluates the ARGs before the first FROM: the values FROM
// lines expand with, and that ARGs without default inside stages inherit.
func (b *build) evalMetaArgs() error {
	b.meta = dockerfile.NewVars(nil)
	plat := platformArgs()
	for _, k := range []string{"BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT", "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT"} {
		b.meta.Set(k, plat[k])
	}
	for _, in := range b.df.MetaArgs {
		decls, err := in.ArgDecls()
		if err != nil {
			return err
		}
		for _, d := range decls {
			if v, ok := b.opts.BuildArgs[d.Name]; ok {
				b.meta.Set(d.Name, v)
				b.useArg(d.Name)
				continue
			}
			if d.HasDefault {
				v, _, err := b.exp.Word(d.Default, b.meta)
				if err != nil {
					return in.Errorf(dockerfile.ErrInvalid, "expanding %s: %v", d.Name, err)
				}
				b.meta.Set(d.Name, v)
			} else {
				b.meta.Delete(d.Name)
			}
		}
	}
	return nil
}

func (b *build) useArg(name string) {
	b.mu.Lock()
	b.usedArgs[name] = true
	b.mu.Unlock()
}

func (b *build) warnUnusedArgs() {
	var unused []string
	b.mu.Lock()
	for k := range b.opts.BuildArgs {
		if !b.usedArgs[k] && !proxyArgs[k] {
			unused = append(unused, k)
		}
	}
	b.mu.Unlock()
	if len(unused) == 0 {
		return
	}
	sort.Strings(unused)
	b.emit(progress.Event{Kind: progress.Warning, Text: fmt.Sprintf("one or more build args were not consumed: %s", strings.Join(unused, ", "))})
}

// evalArg runs an ARG inside a stage: the value is the --build-arg, else the
// default (expanded), else the meta ARG of that name, else a platform ARG.
func (s *stageState) evalArg(in *dockerfile.Instruction) error {
	decls, err := in.ArgDecls()
	if err != nil {
		return err
	}
	var parts, names []string
	for _, d := range decls {
		names = append(names, d.Name)
		v, has := s.b.opts.BuildArgs[d.Name]
		if has {
			s.b.useArg(d.Name)
		} else if d.HasDefault {
			v, _, err = s.b.exp.Word(d.Default, s.vars())
			if err != nil {
				return in.Errorf(dockerfile.ErrInvalid, "expanding ARG %s: %v", d.Name, err)
			}
			has = true
		} else if mv, ok := s.b.meta.Get(d.Name); ok {
			v, has = mv, true
		} else if pv, ok := platformArgs()[d.Name]; ok {
			v, has = pv, true
		}
		if d.Name == "TARGETSTAGE" && !has {
			v, has = stageName(s.sr.st), true
		}
		if has {
			s.args.Set(d.Name, v)
			parts = append(parts, d.Name+"="+v)
		} else {
			s.args.Delete(d.Name)
			parts = append(parts, d.Name)
		}
		s.declared[d.Name] = true
	}
	s.used = nil // a default's expansion is an input of the steps that use the ARG
	return s.metaStepKeyed(in, "ARG "+strings.Join(names, " "), "ARG "+strings.Join(parts, " "), func() error { return nil })
}

func errorsIsCanceled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
