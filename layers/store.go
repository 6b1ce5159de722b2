// Package layers is berth's content-addressed image store: an OCI image
// layout under <root>/images that podman, skopeo and docker interoperate
// with, with docker's names, tags, import, load, save, pull, push and
// garbage collection.
//
// # Layout and locks
//
// Blobs live in images/blobs/sha256/<hex>; images/index.json lists one
// manifest descriptor per name (the name, normalised as docker does, in the
// org.opencontainers.image.ref.name annotation) and one without a name for
// each dangling image. Blobs are written to images/tmp, verified against
// their digest, synced and renamed into place; index.json is replaced
// atomically last, so a crash leaves at most unreferenced blobs, which GC
// removes.
//
// Two flock(2) locks make concurrent berth processes safe: images/.lock
// guards index.json (shared to read, exclusive to change) and
// images/.ingest.lock is held shared by every writer while it adds blobs and
// exclusive by whatever deletes blobs, so a blob a writer relies on is never
// deleted under it.
package layers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/berth-dev/berth/engine/atomicfile"
)

// Annotations berth reads and writes on index.json's descriptors.
const (
	// AnnotationRefName holds an image's full name.
	AnnotationRefName = "org.opencontainers.image.ref.name"
	// annotationID caches the image ID (config digest) of a manifest.
	annotationID = "dev.berth.image.id"
)

// Store is the image store under one root. Any number of Stores, in any
// number of processes, may share a root.
type Store struct {
	dir string
	// InUse, when set, says whether a container uses an image (by ID);
	// Remove and Prune refuse such images unless forced.
	InUse func(imageID v1.Hash) (bool, error)
}

// Open opens (creating if needed) the store in <root>/images.
func Open(root string) (*Store, error) {
	dir := filepath.Join(root, "images")
	for _, d := range []string{dir, filepath.Join(dir, "blobs", "sha256"), filepath.Join(dir, "tmp")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("opening image store %s: %w", dir, err)
		}
	}
	s := &Store{dir: dir}
	il, err := s.ingestLock()
	if err != nil {
		return nil, err
	}
	il.unlock()
	// A store made already needs no lock: only a new one is written.
	if exists(filepath.Join(dir, "oci-layout")) && exists(filepath.Join(dir, "index.json")) {
		return s, nil
	}
	l, err := s.lock(true)
	if err != nil {
		return nil, err
	}
	defer l.unlock()
	if _, err := os.Stat(filepath.Join(dir, "oci-layout")); errors.Is(err, fs.ErrNotExist) {
		if err := atomicfile.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
			return nil, fmt.Errorf("opening image store %s: %w", dir, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "index.json")); errors.Is(err, fs.ErrNotExist) {
		if err := s.writeIndex(&v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex}); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Dir is the directory of the OCI layout.
func (s *Store) Dir() string { return s.dir }

func (s *Store) lock(exclusive bool) (*fileLock, error) {
	return lockFile(filepath.Join(s.dir, ".lock"), exclusive)
}

func (s *Store) ingestLock() (*fileLock, error) {
	return lockFile(filepath.Join(s.dir, ".ingest.lock"), false)
}

func (s *Store) blobPath(h v1.Hash) string {
	return filepath.Join(s.dir, "blobs", h.Algorithm, h.Hex)
}

func (s *Store) hasBlob(h v1.Hash) bool {
	_, err := os.Stat(s.blobPath(h))
	return err == nil
}

// readIndex reads index.json; the caller holds a lock.
func (s *Store) readIndex() (*v1.IndexManifest, error) {
	p := filepath.Join(s.dir, "index.json")
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("reading image index: %w", err)
	}
	var idx v1.IndexManifest
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("reading image index %s: %w", p, err)
	}
	return &idx, nil
}

// writeIndex replaces index.json atomically; the caller holds the exclusive lock.
func (s *Store) writeIndex(idx *v1.IndexManifest) error {
	if idx.Manifests == nil {
		idx.Manifests = []v1.Descriptor{}
	}
	b, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(s.dir, "index.json"), b, 0o644); err != nil {
		return fmt.Errorf("writing image index: %w", err)
	}
	return nil
}

// update runs fn on the index under the exclusive lock and writes the result
// when fn succeeds.
func (s *Store) update(ctx context.Context, fn func(idx *v1.IndexManifest) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l, err := s.lock(true)
	if err != nil {
		return err
	}
	defer l.unlock()
	idx, err := s.readIndex()
	if err != nil {
		return err
	}
	if err := fn(idx); err != nil {
		return err
	}
	return s.writeIndex(idx)
}

// view runs fn on the index under the shared lock.
func (s *Store) view(fn func(idx *v1.IndexManifest) error) error {
	l, err := s.lock(false)
	if err != nil {
		return err
	}
	defer l.unlock()
	idx, err := s.readIndex()
	if err != nil {
		return err
	}
	return fn(idx)
}
