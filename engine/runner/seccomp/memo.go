package seccomp

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine/atomicfile"
)

// Compiling docker's profile takes about a millisecond of CPU, on the path
// of every container start. A supervisor waits for its container's record
// with little else to do: WarmFrom gets there the filter of the profile the
// container most likely gets, from a cache on disk or compiled, and Compile
// finds it by the profile's content, never by identity, so that a profile
// that differs in any field is compiled anew. What is compiled stays for
// the process's life: a builder's RUN steps compile one profile once.

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

// WarmFrom gets the filter of Default(caps) in the background, for a later
// Compile of an equal profile: from a cache of compiled filters in dir,
// which the processes of one berth binary share, or compiled and written
// there. Docker's profile is then compiled once per binary, not once per
// container. An entry is named by the binary
// (the device, inode, size and modification time of its file) and the
// profile's fingerprint, and ends with a digest of the filter before it:
// an entry that does not check out is compiled anew. Entries of other
// binaries go when an entry is written.
func WarmFrom(dir string, caps []string) {
	caps = slices.Clone(caps)
	go warmFrom(dir, caps)
}

func warmFrom(dir string, caps []string) {
	p := Default(caps)
	self, err := binaryID()
	if err != nil {
		_, _ = Compile(p)
		return
	}
	key := fingerprint(p)
	path := filepath.Join(dir, self+"-"+hex.EncodeToString(key[:16]))
	if filter, ok := readCached(path); ok {
		remember(key, filter)
		return
	}
	if filter, err := Compile(p); err == nil {
		writeCached(dir, self, path, filter)
	}
}

// binaryID names the berth binary this process runs, as it is on disk.
func binaryID() (string, error) {
	fi, err := os.Stat("/proc/self/exe")
	if err != nil {
		return "", err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "", errors.New("no stat of the binary")
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%d %d %d %d", st.Dev, st.Ino, fi.Size(), fi.ModTime().UnixNano()))
	return hex.EncodeToString(sum[:8]), nil
}

// remember puts a filter compiled elsewhere in the memo, unless one is there.
func remember(key [sha256.Size]byte, filter []unix.SockFilter) {
	memo.Lock()
	defer memo.Unlock()
	if memo.filters == nil {
		memo.filters = map[[sha256.Size]byte]*memoFilter{}
	}
	if _, ok := memo.filters[key]; !ok {
		m := &memoFilter{done: make(chan struct{}), filter: filter}
		close(m.done)
		memo.filters[key] = m
	}
}

// instructionSize is the size of one instruction as the kernel takes it
// (struct sock_filter).
const instructionSize = 8

// Encode lays a filter out as the kernel takes it, in host (little-endian)
// order: what a container's init installs, and what the cache holds.
func Encode(filter []unix.SockFilter) []byte {
	b := make([]byte, 0, len(filter)*instructionSize)
	for _, f := range filter {
		b = binary.LittleEndian.AppendUint16(b, f.Code)
		b = append(b, f.Jt, f.Jf)
		b = binary.LittleEndian.AppendUint32(b, f.K)
	}
	return b
}

// decode is Encode undone, for b a whole number of instructions.
func decode(b []byte) []unix.SockFilter {
	out := make([]unix.SockFilter, len(b)/instructionSize)
	for i := range out {
		r := b[i*instructionSize:]
		out[i] = unix.SockFilter{Code: binary.LittleEndian.Uint16(r), Jt: r[2], Jf: r[3], K: binary.LittleEndian.Uint32(r[4:])}
	}
	return out
}

// readCached reads a cache entry: the filter, then the SHA-256 of it.
func readCached(path string) ([]unix.SockFilter, bool) {
	b, err := os.ReadFile(path)
	n := len(b) - sha256.Size
	if err != nil || n <= 0 || n%instructionSize != 0 || n/instructionSize > maxInstructions {
		return nil, false
	}
	if sum := sha256.Sum256(b[:n]); !bytes.Equal(sum[:], b[n:]) {
		return nil, false
	}
	return decode(b[:n]), true
}

// writeCached writes a cache entry, and removes those of other binaries.
func writeCached(dir, self, path string, filter []unix.SockFilter) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return
	}
	if ents, err := os.ReadDir(dir); err == nil {
		for _, e := range ents {
			if !strings.HasPrefix(e.Name(), self+"-") && !strings.HasPrefix(e.Name(), ".") {
				os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
	b := Encode(filter)
	sum := sha256.Sum256(b)
	_ = atomicfile.Replace(path, append(b, sum[:]...), 0o600)
}
