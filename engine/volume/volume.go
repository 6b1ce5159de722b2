// Package volume keeps berth's named volumes: directories under the root that
// outlive the containers that mount them, created on first use and filled,
// the first time, with what the image holds at the mount point (as docker does).
package volume

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"time"

	"github.com/berth-dev/berth/engine/atomicfile"
	"golang.org/x/sys/unix"
)

var (
	// ErrNotFound is returned for a volume that does not exist.
	ErrNotFound = errors.New("no such volume")
	// ErrInUse is returned when removing a volume that a container uses.
	ErrInUse = errors.New("volume is in use")
	// ErrInvalidName is returned for names docker would refuse.
	ErrInvalidName = errors.New("invalid volume name")
)

var validName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

// Volume describes one named volume, shaped like docker's `volume inspect`.
type Volume struct {
	Name       string            `json:"Name"`
	Driver     string            `json:"Driver"`
	Mountpoint string            `json:"Mountpoint"`
	CreatedAt  time.Time         `json:"CreatedAt"`
	Labels     map[string]string `json:"Labels"`
	Scope      string            `json:"Scope"`
	// Populated records that the volume was filled from an image once; it is
	// never filled again.
	Populated bool `json:"Populated,omitempty"`
}

// Store keeps volumes under dir: <dir>/<name>/_data is the content and
// <dir>/<name>/volume.json the metadata.
type Store struct {
	dir string
	// InUse, when set, tells which containers use a volume; Remove and Prune
	// refuse volumes it reports.
	InUse func(name string) ([]string, error)
}

// Open returns the volume store in dir.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("opening volume store: %w", err)
	}
	return &Store{dir: dir}, nil
}

// Create makes a volume, or returns the existing one of that name (as docker
// does). An empty name gets a random 64-character one.
func (s *Store) Create(name string, labels map[string]string) (*Volume, error) {
	if name == "" {
		name = randomName()
	}
	if !validName.MatchString(name) {
		return nil, fmt.Errorf("%w %q: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", ErrInvalidName, name)
	}
	unlock, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if v, err := s.read(name); err == nil {
		return v, nil
	}
	v := &Volume{Name: name, Driver: "local", Mountpoint: filepath.Join(s.dir, name, "_data"),
		CreatedAt: time.Now().UTC().Truncate(time.Second), Labels: labels, Scope: "local"}
	if v.Labels == nil {
		v.Labels = map[string]string{}
	}
	// Build the volume beside its final place and rename it in, so that a
	// crash never leaves a half-made volume under its name.
	tmp, err := os.MkdirTemp(s.dir, ".new-")
	if err != nil {
		return nil, fmt.Errorf("creating volume %s: %w", name, err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Mkdir(filepath.Join(tmp, "_data"), 0o755); err != nil {
		return nil, fmt.Errorf("creating volume %s: %w", name, err)
	}
	if err := writeMeta(filepath.Join(tmp, "volume.json"), v); err != nil {
		return nil, fmt.Errorf("creating volume %s: %w", name, err)
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, name)); err != nil {
		return nil, fmt.Errorf("creating volume %s: %w", name, err)
	}
	return v, nil
}

// Get returns the volume called name.
func (s *Store) Get(name string) (*Volume, error) { return s.read(name) }

// List returns every volume, by name.
func (s *Store) List() ([]*Volume, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("listing volumes: %w", err)
	}
	var out []*Volume
	for _, e := range ents {
		if !e.IsDir() || e.Name()[0] == '.' {
			continue
		}
		v, err := s.read(e.Name())
		if err != nil {
			continue
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Remove deletes a volume and its content; a volume in use is refused unless
// force is set (docker refuses even then; berth's force is for cleanup of
// containers already gone).
func (s *Store) Remove(name string, force bool) error {
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := s.read(name); err != nil {
		return err
	}
	if !force && s.InUse != nil {
		users, err := s.InUse(name)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return fmt.Errorf("remove %s: %w by container %.12s", name, ErrInUse, users[0])
		}
	}
	trash := filepath.Join(s.dir, ".removing-"+name)
	if err := os.Rename(filepath.Join(s.dir, name), trash); err != nil {
		return fmt.Errorf("removing volume %s: %w", name, err)
	}
	return os.RemoveAll(trash)
}

// Prune removes every volume no container uses and returns their names and
// the bytes they held.
func (s *Store) Prune() ([]string, int64, error) {
	vols, err := s.List()
	if err != nil {
		return nil, 0, err
	}
	var removed []string
	var reclaimed int64
	for _, v := range vols {
		size, _ := Size(v.Mountpoint)
		if err := s.Remove(v.Name, false); err != nil {
			if errors.Is(err, ErrInUse) {
				continue
			}
			return removed, reclaimed, err
		}
		removed = append(removed, v.Name)
		reclaimed += size
	}
	return removed, reclaimed, nil
}

// MarkPopulated records that the volume has been filled from an image; it
// reports false when it already was, so only the first container copies.
func (s *Store) MarkPopulated(name string) (bool, error) {
	unlock, err := s.lock()
	if err != nil {
		return false, err
	}
	defer unlock()
	v, err := s.read(name)
	if err != nil {
		return false, err
	}
	if v.Populated {
		return false, nil
	}
	v.Populated = true
	return true, writeMeta(filepath.Join(s.dir, name, "volume.json"), v)
}

// Size adds up the bytes of the regular files under dir.
func Size(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n, err
}

func (s *Store) read(name string) (*Volume, error) {
	if !validName.MatchString(name) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	b, err := os.ReadFile(filepath.Join(s.dir, name, "volume.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	if err != nil {
		return nil, fmt.Errorf("reading volume %s: %w", name, err)
	}
	var v Volume
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("reading volume %s: %w", name, err)
	}
	return &v, nil
}

func (s *Store) lock() (func(), error) {
	f, err := os.OpenFile(filepath.Join(s.dir, ".lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("locking volume store: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking volume store: %w", err)
	}
	return func() { f.Close() }, nil
}

func writeMeta(path string, v *Volume) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, 0o600)
}

func randomName() string {
	var b [32]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
