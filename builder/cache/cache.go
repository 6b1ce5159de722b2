// Package cache is the build cache: step results keyed by what went into
// them, the layers those steps made, a memo of source file hashes, and the
// inputs of each step's last build so that a miss can say what changed.
//
// On disk, under the directory given to Open (berth's <root>/build-cache):
//
//	steps/<key>.json      a cached step: its layer and when it was made
//	layers/<digest>.tar.gz the layers of cached steps, gzip-compressed
//	last/<stage id>.json  the inputs of every step of a stage's last build
//	files.json            content hashes of files by path, size, mtime and inode
package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Cache is an open build cache. It is safe for concurrent use by the stages
// of one build; several processes may share a cache directory, every write
// being a rename of a complete file.
type Cache struct {
	dir string

	mu         sync.Mutex
	files      map[string]fileHash
	filesDirty bool
}

// Open opens (creating it if needed) the build cache in dir.
func Open(dir string) (*Cache, error) {
	for _, sub := range []string{"steps", "layers", "last", "tmp", "fsview"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, fmt.Errorf("creating build cache %s: %w", dir, err)
		}
	}
	c := &Cache{dir: dir, files: map[string]fileHash{}}
	if data, err := os.ReadFile(filepath.Join(dir, "files.json")); err == nil {
		_ = json.Unmarshal(data, &c.files) // a damaged memo is only a slower build
	}
	return c, nil
}

// Dir returns the cache's directory.
func (c *Cache) Dir() string { return c.dir }

// Inputs are what a step's result depends on. Their Key is the cache key.
type Inputs struct {
	// Parent is the key of the step before, or the base image's digest.
	Parent string `json:"parent"`
	// Instruction is the instruction after expansion.
	Instruction string `json:"instruction"`
	// Line is where the instruction is, for explanations (not in the key).
	Line int `json:"line,omitempty"`
	// Args are the build args the step uses, with their values.
	Args map[string]string `json:"args,omitempty"`
	// Files are the step's source files: path to content hash.
	Files map[string]string `json:"files,omitempty"`
	// Extra is any other input, such as a source stage's key.
	Extra string `json:"extra,omitempty"`
}

// Key returns the step's cache key: a digest of every input but Line.
func (in *Inputs) Key() string {
	h := sha256.New()
	fmt.Fprintf(h, "parent %q\ninstruction %q\nextra %q\n", in.Parent, in.Instruction, in.Extra)
	for _, k := range sortedKeys(in.Args) {
		fmt.Fprintf(h, "arg %q=%q\n", k, in.Args[k])
	}
	for _, k := range sortedKeys(in.Files) {
		fmt.Fprintf(h, "file %q %s\n", k, in.Files[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Record is a cached step result.
type Record struct {
	Key string `json:"key"`
	// Layer is the digest of the compressed layer, "" for a step without one.
	Layer string `json:"layer,omitempty"`
	// DiffID is the digest of the uncompressed layer.
	DiffID string `json:"diff_id,omitempty"`
	// Size is the compressed layer's size.
	Size int64 `json:"size,omitempty"`
	// Created is when the step first ran; a rebuild reuses it so that an
	// unchanged build yields the same image ID.
	Created time.Time `json:"created"`
}

// Lookup returns the record for key, if the cache holds it and its layer.
func (c *Cache) Lookup(key string) (*Record, bool) {
	data, err := os.ReadFile(filepath.Join(c.dir, "steps", key+".json"))
	if err != nil {
		return nil, false
	}
	var r Record
	if json.Unmarshal(data, &r) != nil || r.Key != key {
		return nil, false
	}
	if r.Layer != "" {
		if _, err := os.Stat(c.LayerPath(r.Layer)); err != nil {
			return nil, false
		}
	}
	return &r, true
}

// Put stores a record; its layer must already be in the cache (AddLayer).
func (c *Cache) Put(r *Record) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return c.writeFile(filepath.Join(c.dir, "steps", r.Key+".json"), data)
}

// LayerPath is where the cache keeps the compressed layer with that digest
// ("sha256:hex").
func (c *Cache) LayerPath(digest string) string {
	return filepath.Join(c.dir, "layers", strings.TrimPrefix(digest, "sha256:")+".tar.gz")
}

// TempFile creates a file in the cache's scratch space; AddLayer renames it.
func (c *Cache) TempFile() (*os.File, error) {
	return os.CreateTemp(filepath.Join(c.dir, "tmp"), "layer-")
}

// AddLayer moves a finished compressed layer file into the cache.
func (c *Cache) AddLayer(tmp, digest string) error {
	if err := os.Rename(tmp, c.LayerPath(digest)); err != nil {
		return fmt.Errorf("adding layer %s to the build cache: %w", digest, err)
	}
	return nil
}

// Last returns the inputs of every step of the last build of a stage.
func (c *Cache) Last(stageID string) []Inputs {
	data, err := os.ReadFile(filepath.Join(c.dir, "last", stageID+".json"))
	if err != nil {
		return nil
	}
	var steps []Inputs
	if json.Unmarshal(data, &steps) != nil {
		return nil
	}
	return steps
}

// SetLast remembers the inputs of every step of a stage's build.
func (c *Cache) SetLast(stageID string, steps []Inputs) error {
	data, err := json.Marshal(steps)
	if err != nil {
		return err
	}
	return c.writeFile(filepath.Join(c.dir, "last", stageID+".json"), data)
}

// StageID names a stage across builds: the context, the Dockerfile and the
// stage's position.
func StageID(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:16])
}

// Close saves the file hash memo.
func (c *Cache) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.filesDirty {
		return nil
	}
	data, err := json.Marshal(c.files)
	if err != nil {
		return err
	}
	c.filesDirty = false
	return c.writeFile(filepath.Join(c.dir, "files.json"), data)
}

// Prune empties the cache and returns the bytes it freed.
func (c *Cache) Prune() (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var freed int64
	for _, sub := range []string{"steps", "layers", "last", "tmp", "fsview"} {
		dir := filepath.Join(c.dir, sub)
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				if fi, err := d.Info(); err == nil {
					freed += fi.Size()
				}
			}
			return nil
		})
		if err := os.RemoveAll(dir); err != nil {
			return freed, fmt.Errorf("pruning build cache: %w", err)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return freed, fmt.Errorf("pruning build cache: %w", err)
		}
	}
	if fi, err := os.Stat(filepath.Join(c.dir, "files.json")); err == nil {
		freed += fi.Size()
		if err := os.Remove(filepath.Join(c.dir, "files.json")); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return freed, fmt.Errorf("pruning build cache: %w", err)
		}
	}
	c.files = map[string]fileHash{}
	c.filesDirty = false
	return freed, nil
}

// writeFile replaces path atomically: temp file, fsync, rename.
func (c *Cache) writeFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Join(c.dir, "tmp"), "w-")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}
