package snapshot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// store keeps the snapshots' metadata, shared by both snapshotters: one
// directory per snapshot, named by a short hash of its key (keeping overlay's
// lowerdir option short), holding info.json and the snapshot's trees.
type store struct {
	dir string
}

func newStore(dir string) (*store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("opening snapshots: %w", err)
	}
	return &store{dir: dir}, nil
}

func (s *store) path(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(s.dir, hex.EncodeToString(sum[:8]))
}

// lock takes the store's exclusive lock.
func (s *store) lock() (func(), error) {
	f, err := os.OpenFile(filepath.Join(s.dir, ".lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

func (s *store) stat(key string) (Info, error) {
	b, err := os.ReadFile(filepath.Join(s.path(key), "info.json"))
	if errors.Is(err, os.ErrNotExist) {
		return Info{}, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err != nil {
		return Info{}, err
	}
	var in Info
	if err := json.Unmarshal(b, &in); err != nil {
		return Info{}, fmt.Errorf("reading snapshot %s: %w", key, err)
	}
	return in, nil
}

func writeInfo(dir string, in Info) error {
	b, _ := json.Marshal(in)
	tmp := filepath.Join(dir, "info.json.tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "info.json"))
}

// create makes an active snapshot's directory with the subdirectories made
// by mk, under the lock, appearing whole or not at all.
func (s *store) create(key, parent string, mk func(dir string) error) (Info, error) {
	unlock, err := s.lock()
	if err != nil {
		return Info{}, err
	}
	defer unlock()
	if _, err := s.stat(key); err == nil {
		return Info{}, fmt.Errorf("%w: %s", ErrExists, key)
	}
	if parent != "" {
		p, err := s.stat(parent)
		if err != nil {
			return Info{}, err
		}
		if p.Kind != Committed {
			return Info{}, fmt.Errorf("%w: parent %s is not committed", ErrWrongKind, parent)
		}
	}
	tmp, err := os.MkdirTemp(s.dir, ".new-")
	if err != nil {
		return Info{}, err
	}
	in := Info{Key: key, Parent: parent, Kind: Active, Created: time.Now().UTC()}
	if err := mk(tmp); err != nil {
		os.RemoveAll(tmp)
		return Info{}, err
	}
	if err := writeInfo(tmp, in); err != nil {
		os.RemoveAll(tmp)
		return Info{}, err
	}
	if err := os.Rename(tmp, s.path(key)); err != nil {
		os.RemoveAll(tmp)
		return Info{}, err
	}
	return in, nil
}

// commit renames the active snapshot key to the committed name.
func (s *store) commit(name, key string, finish func(dir string) error) error {
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	in, err := s.stat(key)
	if err != nil {
		return err
	}
	if in.Kind != Active {
		return fmt.Errorf("%w: %s is not active", ErrWrongKind, key)
	}
	if _, err := s.stat(name); err == nil {
		return fmt.Errorf("%w: %s", ErrExists, name)
	}
	dir := s.path(key)
	if finish != nil {
		if err := finish(dir); err != nil {
			return err
		}
	}
	in.Key, in.Kind = name, Committed
	if err := writeInfo(dir, in); err != nil {
		return err
	}
	return os.Rename(dir, s.path(name))
}

func (s *store) walk(ctx context.Context, fn func(Info) error) error {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !e.IsDir() || e.Name()[0] == '.' {
			continue
		}
		b, err := os.ReadFile(filepath.Join(s.dir, e.Name(), "info.json"))
		if err != nil {
			continue
		}
		var in Info
		if json.Unmarshal(b, &in) != nil {
			continue
		}
		if err := fn(in); err != nil {
			return err
		}
	}
	return nil
}

// remove deletes a snapshot that no other snapshot stands on.
func (s *store) remove(ctx context.Context, key string) error {
	purge, err := s.discard(ctx, key)
	if err != nil {
		return err
	}
	return purge()
}

// trashPrefix names a removed snapshot's directory until it is deleted.
const trashPrefix = ".removing-"

// discard removes a snapshot that no other snapshot stands on from the
// store at once, and returns purge, which deletes its files. Trash a purge
// never deleted (its process ended first) is deleted by a later discard.
func (s *store) discard(ctx context.Context, key string) (purge func() error, err error) {
	unlock, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	in, err := s.stat(key)
	if err != nil {
		return nil, err
	}
	// Only a committed snapshot can have children (create refuses an
	// active parent): an active one, a container's, needs no look through
	// every other snapshot.
	if in.Kind == Committed {
		err = s.walk(ctx, func(in Info) error {
			if in.Parent == key {
				return fmt.Errorf("%w: %s stands on %s", ErrHasChildren, in.Key, key)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	s.collectTrash()
	trash, err := os.MkdirTemp(s.dir, trashPrefix)
	if err != nil {
		return nil, err
	}
	if err := os.Rename(s.path(key), filepath.Join(trash, "x")); err != nil {
		os.Remove(trash)
		return nil, err
	}
	return func() error { return os.RemoveAll(trash) }, nil
}

// collectTrash deletes what removals left behind: trash older than a
// minute, which no purge still works on.
func (s *store) collectTrash() {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), trashPrefix) {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > time.Minute {
			os.RemoveAll(filepath.Join(s.dir, e.Name()))
		}
	}
}

// chain lists the fs directories of a committed snapshot and its ancestors,
// the snapshot's own first.
func (s *store) chain(key string) ([]string, error) {
	var dirs []string
	for key != "" {
		in, err := s.stat(key)
		if err != nil {
			return nil, err
		}
		dirs = append(dirs, filepath.Join(s.path(key), "fs"))
		key = in.Parent
	}
	return dirs, nil
}

// usage adds up the bytes of the regular files in a snapshot's fs tree.
func (s *store) usage(key string) (int64, error) {
	if _, err := s.stat(key); err != nil {
		return 0, err
	}
	var n int64
	err := filepath.WalkDir(filepath.Join(s.path(key), "fs"), func(_ string, d os.DirEntry, err error) error {
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
