package analyze

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Cache keeps layer indexes under a directory, one file per diff ID
// (<dir>/<algorithm>/<hex>). Any number of processes may share it: files are
// written whole to a temporary name and renamed into place.
type Cache struct {
	dir string
	// hits and misses count lookups, for callers and tests that want to know
	// whether a layer was read again.
	hits, misses atomic.Int64
}

// NewCache uses dir (usually <root>/analysis) for layer indexes.
func NewCache(dir string) *Cache { return &Cache{dir: dir} }

// CacheStats counts cache lookups.
type CacheStats struct {
	Hits, Misses int64
}

// Stats says how many lookups found an index and how many did not.
func (c *Cache) Stats() CacheStats {
	return CacheStats{Hits: c.hits.Load(), Misses: c.misses.Load()}
}

func (c *Cache) path(h v1.Hash) (string, error) {
	if h.Algorithm == "" || h.Hex == "" || filepath.Base(h.Hex) != h.Hex || filepath.Base(h.Algorithm) != h.Algorithm {
		return "", fmt.Errorf("layer index for %q: bad diff ID", h)
	}
	return filepath.Join(c.dir, h.Algorithm, h.Hex), nil
}

// Get returns the cached index of a layer, or nil if there is none (or it is
// unreadable, in which case it will be replaced).
func (c *Cache) Get(diffID v1.Hash) *Index {
	p, err := c.path(diffID)
	if err != nil {
		c.misses.Add(1)
		return nil
	}
	b, err := os.ReadFile(p)
	if err != nil {
		c.misses.Add(1)
		return nil
	}
	x := &Index{}
	if err := x.UnmarshalBinary(b); err != nil || x.DiffID != diffID {
		c.misses.Add(1)
		return nil
	}
	c.hits.Add(1)
	return x
}

// Put stores an index atomically: a reader sees the old file, the new one or
// none, never part of one.
func (c *Cache) Put(x *Index) error {
	p, err := c.path(x.DiffID)
	if err != nil {
		return err
	}
	b, err := x.MarshalBinary()
	if err != nil {
		return err
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing layer index %s: %w", x.DiffID, err)
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err != nil {
		return fmt.Errorf("writing layer index %s: %w", x.DiffID, err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing layer index %s: %w", x.DiffID, err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Remove drops a layer's index, if any.
func (c *Cache) Remove(diffID v1.Hash) error {
	p, err := c.path(diffID)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing layer index %s: %w", diffID, err)
	}
	return nil
}
