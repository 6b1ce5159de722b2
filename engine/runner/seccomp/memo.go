package seccomp

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Compiling docker's profile takes about a millisecond of CPU, on the path
// of every container start. A supervisor waits for its container's record
// with little else to do: Warm compiles there the profile the container
// most likely gets, and Compile finds the result by the profile's content,
// never by identity, so that a profile that differs in any field is
// compiled anew. What is compiled stays for the process's life: a builder's
// RUN steps compile one profile once.

// memo holds the filters compiled in this process, by profile fingerprint.
var memo struct {
	sync.Mutex
	filters map[[sha256.Size]byte]*memoFilter
}

// memoFilter is a filter being compiled, or compiled once done is closed.
type memoFilter struct {
	done   chan struct{}
	filter []unix.SockFilter
	err    error
}

// Warm compiles Default(caps) in the background, for a later Compile of an
// equal profile.
func Warm(caps []string) {
	caps = slices.Clone(caps)
	go func() { _, _ = Compile(Default(caps)) }()
}

// compileMemo returns the filter of cfg, compiled once per content.
func compileMemo(cfg *specs.LinuxSeccomp) ([]unix.SockFilter, error) {
	key := fingerprint(cfg)
	memo.Lock()
	m, ok := memo.filters[key]
	if !ok {
		if memo.filters == nil {
			memo.filters = map[[sha256.Size]byte]*memoFilter{}
		}
		m = &memoFilter{done: make(chan struct{})}
		memo.filters[key] = m
	}
	memo.Unlock()
	if !ok {
		m.filter, m.err = compileFilter(cfg)
		close(m.done)
	}
	<-m.done
	return slices.Clone(m.filter), m.err
}

// fingerprint is a digest of every field of cfg, each length-prefixed, so
// that two profiles share it only if they are equal.
func fingerprint(cfg *specs.LinuxSeccomp) [sha256.Size]byte {
	if cfg == nil {
		return [sha256.Size]byte{}
	}
	b := make([]byte, 0, 8192)
	num := func(v uint64) { b = binary.AppendUvarint(b, v) }
	str := func(s string) { num(uint64(len(s))); b = append(b, s...) }
	opt := func(p *uint) {
		if p == nil {
			num(0)
			return
		}
		num(1)
		num(uint64(*p))
	}
	b = append(b, 1) // a profile, not nil
	str(string(cfg.DefaultAction))
	opt(cfg.DefaultErrnoRet)
	num(uint64(len(cfg.Architectures)))
	for _, a := range cfg.Architectures {
		str(string(a))
	}
	num(uint64(len(cfg.Flags)))
	for _, f := range cfg.Flags {
		str(string(f))
	}
	str(cfg.ListenerPath)
	str(cfg.ListenerMetadata)
	num(uint64(len(cfg.Syscalls)))
	for _, s := range cfg.Syscalls {
		num(uint64(len(s.Names)))
		for _, n := range s.Names {
			str(n)
		}
		str(string(s.Action))
		opt(s.ErrnoRet)
		num(uint64(len(s.Args)))
		for _, a := range s.Args {
			num(uint64(a.Index))
			num(a.Value)
			num(a.ValueTwo)
			str(string(a.Op))
		}
	}
	return sha256.Sum256(b)
}
