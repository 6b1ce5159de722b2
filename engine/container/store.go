package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine/atomicfile"
	"github.com/berth-dev/berth/engine/launch"
)

// validName is docker's rule for container names.
var validName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// Store keeps container records in a directory: <dir>/<id>/container.json for
// each container, and <dir>/names/<name>, a symbolic link to the ID, for each
// name. A name is claimed by creating its link, which the kernel does for one
// process only, so concurrent `run --name` calls cannot both get it.
type Store struct {
	dir string
}

// Open returns the store in dir, creating it if needed.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(filepath.Join(dir, "names"), 0o700); err != nil {
		return nil, fmt.Errorf("opening container store: %w", err)
	}
	return &Store{dir: dir}, nil
}

// Dir is the directory that holds the container's files (state, logs, sockets).
func (s *Store) Dir(id string) string { return filepath.Join(s.dir, id) }

// NewID returns a new random 64-character container ID. (The launch
// package makes them: `berth run` chooses the ID as it starts.)
func NewID() string { return launch.NewID() }

// ValidID reports whether id has the form of a container ID: 64 lowercase
// hexadecimal digits.
func ValidID(id string) bool {
	if len(id) != 64 {
		return false
	}
	for _, c := range []byte(id) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Create stores a new record, giving it an ID and a name when it has none.
// The record is written in a staging directory that names its process, the
// name claimed, then the directory renamed into place: a process killed
// half way leaves only a staging directory, which CollectStale removes with
// the name it claimed. Nothing is left behind when it fails.
func (s *Store) Create(rec *Record) error {
	if rec.ID == "" {
		rec.ID = NewID()
	}
	stage := filepath.Join(s.dir, fmt.Sprintf("%s%s-%d", stagePrefix, rec.ID, os.Getpid()))
	if err := os.Mkdir(stage, 0o700); err != nil {
		return fmt.Errorf("creating container %s: %w", rec.Name, err)
	}
	generated := rec.Name == ""
	for try := 0; ; try++ {
		if generated {
			rec.Name = RandomName(try)
		}
		if err := s.writeIn(stage, rec); err != nil {
			os.RemoveAll(stage)
			return err
		}
		err := s.claimName(rec.Name, rec.ID)
		if err == nil {
			break
		}
		if !generated || !errors.Is(err, ErrNameInUse) || try > 50 {
			os.RemoveAll(stage)
			return err
		}
	}
	if err := os.Rename(stage, s.Dir(rec.ID)); err != nil {
		os.RemoveAll(stage)
		s.releaseName(rec.Name, rec.ID)
		return fmt.Errorf("creating container %s: %w", rec.Name, err)
	}
	return nil
}

// stagePrefix starts the name of a container directory being created:
// .new-ID-PID.
const stagePrefix = ".new-"

// CollectStale removes what creations killed half way left (staging
// directories whose process is gone, with the names they claimed) and the
// files of removed containers a removal left undeleted.
func (s *Store) CollectStale() {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), trashPrefix) {
			// A removal that stopped before deleting the files. A young
			// one is still being deleted by its own process (the
			// supervisor of a self-removing container purges after it
			// answered its client, with the rootfs still unmounting).
			if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleTrash {
				os.RemoveAll(filepath.Join(s.dir, e.Name()))
			}
			continue
		}
		if fi, err := os.Stat(filepath.Join(s.dir, e.Name(), "container.json")); err == nil && fi.Size() == 0 {
			// A self-removing container's record a power loss emptied.
			s.releaseNamesOf(e.Name())
			os.RemoveAll(filepath.Join(s.dir, e.Name()))
			continue
		}
		rest, ok := strings.CutPrefix(e.Name(), stagePrefix)
		if !ok {
			continue
		}
		id, pidText, _ := strings.Cut(rest, "-")
		if pid, err := strconv.Atoi(pidText); err == nil && pid > 0 && unix.Kill(pid, 0) != unix.ESRCH {
			continue // still being created
		}
		stage := filepath.Join(s.dir, e.Name())
		if b, err := os.ReadFile(filepath.Join(stage, "container.json")); err == nil {
			var rec Record
			if json.Unmarshal(b, &rec) == nil && rec.Name != "" {
				s.releaseName(rec.Name, id)
			}
		}
		os.RemoveAll(stage)
	}
}

func (s *Store) claimName(name, id string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("%w %q: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", ErrInvalidName, name)
	}
	err := os.Symlink(id, filepath.Join(s.dir, "names", name))
	if errors.Is(err, os.ErrExist) {
		holder, _ := os.Readlink(filepath.Join(s.dir, "names", name))
		return fmt.Errorf("the container name %q is already in use by container %.12s: %w", name, holder, ErrNameInUse)
	}
	if err != nil {
		return fmt.Errorf("claiming container name %q: %w", name, err)
	}
	return nil
}

// releaseNamesOf removes every name link that points at id.
func (s *Store) releaseNamesOf(id string) {
	links, _ := os.ReadDir(filepath.Join(s.dir, "names"))
	for _, l := range links {
		s.releaseName(l.Name(), id)
	}
}

// releaseName removes the name's link if it still points at id.
func (s *Store) releaseName(name, id string) {
	link := filepath.Join(s.dir, "names", name)
	if target, err := os.Readlink(link); err == nil && target == id {
		os.Remove(link)
	}
}

// Get finds a container by full ID, name, or unique ID prefix.
func (s *Store) Get(ref string) (*Record, error) {
	id, err := s.Resolve(ref)
	if err != nil {
		return nil, err
	}
	return s.read(id)
}

// Resolve turns a full ID, name or unique ID prefix into a full ID.
func (s *Store) Resolve(ref string) (string, error) {
	ref = strings.TrimPrefix(ref, "/")
	if ref == "" {
		return "", fmt.Errorf("%w: empty name", ErrNotFound)
	}
	if len(ref) == 64 {
		if _, err := os.Stat(filepath.Join(s.Dir(ref), "container.json")); err == nil {
			return ref, nil
		}
	}
	if id, err := os.Readlink(filepath.Join(s.dir, "names", ref)); err == nil {
		return id, nil
	}
	ids, err := s.ids()
	if err != nil {
		return "", err
	}
	var match string
	for _, id := range ids {
		if strings.HasPrefix(id, ref) {
			if match != "" {
				return "", fmt.Errorf("%w %q: matches more than one container", ErrAmbiguous, ref)
			}
			match = id
		}
	}
	if match == "" {
		return "", fmt.Errorf("%w: %s", ErrNotFound, ref)
	}
	return match, nil
}

func (s *Store) ids() ([]string, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("listing containers: %w", err)
	}
	var ids []string
	for _, e := range ents {
		if e.IsDir() && len(e.Name()) == 64 {
			ids = append(ids, e.Name())
		}
	}
	return ids, nil
}

// List returns every container, newest first.
func (s *Store) List() ([]*Record, error) {
	ids, err := s.ids()
	if err != nil {
		return nil, err
	}
	var out []*Record
	for _, id := range ids {
		rec, err := s.read(id)
		if errors.Is(err, ErrNotFound) {
			continue // removed while we listed
		}
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

// Lock takes the container's exclusive lock, for operations that must not
// run at the same time as another on the same container (start, stop,
// remove). The returned function releases it.
func (s *Store) Lock(id string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(s.Dir(id), "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		return nil, fmt.Errorf("locking container %.12s: %w", id, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking container %.12s: %w", id, err)
	}
	return func() { f.Close() }, nil
}

// Update reads the record, lets fn change it and writes it back, all under the
// container's lock. When fn returns an error nothing is written.
func (s *Store) Update(id string, fn func(*Record) error) (*Record, error) {
	unlock, err := s.Lock(id)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return s.UpdateLocked(id, fn)
}

// UpdateLocked is Update for a caller that holds the container's lock already.
func (s *Store) UpdateLocked(id string, fn func(*Record) error) (*Record, error) {
	rec, err := s.read(id)
	if err != nil {
		return nil, err
	}
	if err := fn(rec); err != nil {
		return nil, err
	}
	if err := s.write(rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// Rename gives the container a new name.
func (s *Store) Rename(ref, name string) error {
	id, err := s.Resolve(ref)
	if err != nil {
		return err
	}
	if err := s.claimName(name, id); err != nil {
		return err
	}
	var old string
	if _, err := s.Update(id, func(r *Record) error { old, r.Name = r.Name, name; return nil }); err != nil {
		s.releaseName(name, id)
		return err
	}
	s.releaseName(old, id)
	return nil
}

// Remove deletes the container's record, files and name.
func (s *Store) Remove(id string) error {
	purge, err := s.Discard(id, nil)
	if err != nil {
		return err
	}
	return purge()
}

// Discard removes the container from the store at once and returns purge,
// which deletes what the container's directory held: a caller in a hurry
// (a supervisor answering `run --rm`) purges after it answered. A purge
// that never runs leaves a trash directory CollectStale deletes. before,
// if set, is called with the directory's new path first thing in purge
// (what is still mounted in it must go before its files do).
func (s *Store) Discard(id string, before func(dir string) error) (purge func() error, err error) {
	rec, err := s.read(id)
	if err != nil {
		return nil, err
	}
	// Move the directory aside first so that a crash half way through never
	// leaves a container that looks whole.
	trash := filepath.Join(s.dir, trashPrefix+id)
	if err := os.Rename(s.Dir(id), trash); err != nil {
		return nil, fmt.Errorf("removing container %s: %w", rec.Name, err)
	}
	// Its age counts from now (see CollectStale).
	now := time.Now()
	_ = os.Chtimes(trash, now, now)
	s.releaseName(rec.Name, id)
	return func() error {
		if before != nil {
			if err := before(trash); err != nil {
				return fmt.Errorf("removing container %s: %w", rec.Name, err)
			}
		}
		if err := os.RemoveAll(trash); err != nil {
			return fmt.Errorf("removing container %s: %w", rec.Name, err)
		}
		return nil
	}, nil
}

// trashPrefix names a removed container's directory until it is deleted.
const trashPrefix = ".removing-"

// staleTrash is the age at which CollectStale deletes a removed container's
// directory that its removal left behind.
const staleTrash = time.Minute

func (s *Store) read(id string) (*Record, error) {
	b, err := os.ReadFile(filepath.Join(s.Dir(id), "container.json"))
	if errors.Is(err, os.ErrNotExist) || err == nil && len(b) == 0 {
		// Empty: what a power loss left of a self-removing container's
		// record (see writeIn).
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("reading container %.12s: %w", id, err)
	}
	var rec Record
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("reading container %.12s: %w", id, err)
	}
	return &rec, nil
}

// write replaces container.json atomically: a temporary file, fsync, rename.
func (s *Store) write(rec *Record) error {
	return s.writeIn(s.Dir(rec.ID), rec)
}

// writeIn writes rec in dir. The record of a container that removes itself
// when it ends (run --rm) is not synced to disk: a power loss ends the
// container, which would then be removed anyway, and an empty record it
// leaves reads as none (CollectStale deletes it).
func (s *Store) writeIn(dir string, rec *Record) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding container %s: %w", rec.Name, err)
	}
	write := atomicfile.WriteFile
	if rec.Config.AutoRemove {
		write = atomicfile.Replace
	}
	if err := write(filepath.Join(dir, "container.json"), b, 0o600); err != nil {
		return fmt.Errorf("saving container %s: %w", rec.Name, err)
	}
	return nil
}
