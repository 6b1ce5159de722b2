package builder

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/gzip"

	"github.com/berth-dev/berth/builder/cache"
	"github.com/berth-dev/berth/builder/dockerfile"
	"github.com/berth-dev/berth/builder/progress"
)

// entry is one file of a layer being made.
type entry struct {
	hdr tar.Header // Name is relative to the rootfs, without a leading slash
	// open gives a regular file's content; data is used when open is nil.
	open func() (io.ReadCloser, error)
	data []byte
}

// layerStep runs a step that may add a layer: from the cache when its key is
// there, else by calling make. A step that makes no files adds only history.
func (s *stageState) layerStep(in *dockerfile.Instruction, inputs cache.Inputs, createdBy string, make func() ([]entry, error)) error {
	start := s.begin(in)
	s.advance(inputs)
	stage := stageLabel(s.sr.st)
	var rec *cache.Record
	ok := false
	if !s.b.opts.NoCache {
		rec, ok = s.b.cache.Lookup(s.key)
	}
	if ok {
		s.b.emit(progress.Event{Kind: progress.CacheHit, Stage: stage, Step: s.step, Instruction: in.Original, Line: in.Line})
	} else {
		s.b.emit(progress.Event{Kind: progress.CacheMiss, Stage: stage, Step: s.step, Instruction: in.Original, Line: in.Line, Reason: s.explain()})
		defer func() {
			for _, f := range s.afterLayer {
				f()
			}
			s.afterLayer = nil
		}()
		entries, err := make()
		if err != nil {
			return err
		}
		rec = &cache.Record{Key: s.key, Created: time.Now().UTC().Truncate(time.Second)}
		if len(entries) > 0 || in.Cmd != "workdir" {
			if err := s.writeLayer(entries, rec); err != nil {
				return err
			}
		}
		if err := s.b.cache.Put(rec); err != nil {
			return fmt.Errorf("saving build cache: %w", err)
		}
	}
	s.created = rec.Created
	h := v1.History{Created: v1.Time{Time: rec.Created}, CreatedBy: createdBy, Comment: historyComment}
	if rec.Layer == "" {
		h.EmptyLayer = true
	} else {
		l, err := s.cachedLayer(rec)
		if err != nil {
			return err
		}
		s.layers = append(s.layers, l)
	}
	s.history = append(s.history, h)
	s.b.emit(progress.Event{Kind: progress.StepDone, Stage: stage, Step: s.step, Instruction: in.Original, Line: in.Line, Duration: time.Since(start), LayerSize: rec.Size})
	return nil
}

func (s *stageState) cachedLayer(rec *cache.Record) (v1.Layer, error) {
	d, err := v1.NewHash(rec.Layer)
	if err != nil {
		return nil, fmt.Errorf("build cache record %s: %w", rec.Key, err)
	}
	diff, err := v1.NewHash(rec.DiffID)
	if err != nil {
		return nil, fmt.Errorf("build cache record %s: %w", rec.Key, err)
	}
	return &fileLayer{path: s.b.cache.LayerPath(rec.Layer), digest: d, diffID: diff, size: rec.Size, mediaType: s.layerType}, nil
}

// writeLayer writes entries as a deterministic gzip-compressed tar into the
// cache and fills in rec: entries sorted by name, no user or group names,
// times cut to the second, no access or change times.
func (s *stageState) writeLayer(entries []entry, rec *cache.Record) error {
	sort.Slice(entries, func(i, j int) bool { return entries[i].hdr.Name < entries[j].hdr.Name })
	f, err := s.b.cache.TempFile()
	if err != nil {
		return fmt.Errorf("writing layer: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	zd := sha256.New()
	zsize := &counter{}
	gz, err := gzip.NewWriterLevel(io.MultiWriter(f, zd, zsize), gzip.DefaultCompression)
	if err != nil {
		return err
	}
	ud := sha256.New()
	tw := tar.NewWriter(io.MultiWriter(gz, ud))
	for i := range entries {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		if err := writeEntry(tw, &entries[i]); err != nil {
			return fmt.Errorf("writing layer: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("writing layer: %w", err)
	}
	if err := gz.Close(); err != nil {
		return fmt.Errorf("writing layer: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing layer: %w", err)
	}
	rec.Layer = "sha256:" + hex.EncodeToString(zd.Sum(nil))
	rec.DiffID = "sha256:" + hex.EncodeToString(ud.Sum(nil))
	rec.Size = zsize.n
	return s.b.cache.AddLayer(f.Name(), rec.Layer)
}

func writeEntry(tw *tar.Writer, e *entry) error {
	h := e.hdr
	h.Uname, h.Gname = "", ""
	h.ModTime = h.ModTime.Truncate(time.Second)
	h.AccessTime, h.ChangeTime = time.Time{}, time.Time{}
	h.Format = tar.FormatPAX
	h.PAXRecords = nil
	if h.Typeflag == tar.TypeDir && !strings.HasSuffix(h.Name, "/") {
		h.Name += "/"
	}
	if h.Typeflag != tar.TypeReg {
		h.Size = 0
	}
	var r io.Reader
	if h.Typeflag == tar.TypeReg {
		switch {
		case e.open != nil:
			rc, err := e.open()
			if err != nil {
				return err
			}
			defer rc.Close()
			r = rc
		default:
			r = bytes.NewReader(e.data)
			h.Size = int64(len(e.data))
		}
	}
	if err := tw.WriteHeader(&h); err != nil {
		return fmt.Errorf("%s: %w", h.Name, err)
	}
	if r != nil {
		n, err := io.Copy(tw, io.LimitReader(r, h.Size))
		if err != nil {
			return fmt.Errorf("%s: %w", h.Name, err)
		}
		if n != h.Size {
			return fmt.Errorf("%s changed size while being copied", h.Name)
		}
	}
	return nil
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// fileLayer is a compressed layer in the build cache whose digests are known.
type fileLayer struct {
	path           string
	digest, diffID v1.Hash
	size           int64
	mediaType      types.MediaType
}

var _ v1.Layer = (*fileLayer)(nil)

// Digest returns the compressed layer's digest.
func (l *fileLayer) Digest() (v1.Hash, error) { return l.digest, nil }

// DiffID returns the uncompressed layer's digest.
func (l *fileLayer) DiffID() (v1.Hash, error) { return l.diffID, nil }

// Compressed opens the gzip-compressed layer.
func (l *fileLayer) Compressed() (io.ReadCloser, error) { return os.Open(l.path) }

// Uncompressed opens the layer's tar stream.
func (l *fileLayer) Uncompressed() (io.ReadCloser, error) {
	f, err := os.Open(l.path)
	if err != nil {
		return nil, err
	}
	gz, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("opening cached layer %s: %w", l.digest, err)
	}
	return &readCloser{Reader: gz, close: func() error { gz.Close(); return f.Close() }}, nil
}

// Size returns the compressed size.
func (l *fileLayer) Size() (int64, error) { return l.size, nil }

// MediaType returns the layer's media type, matching its image's manifest.
func (l *fileLayer) MediaType() (types.MediaType, error) { return l.mediaType, nil }

type readCloser struct {
	io.Reader
	close func() error
}

func (r *readCloser) Close() error { return r.close() }

// sum256 returns the hex SHA-256 of b.
func sum256(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

var _ hash.Hash = sha256.New()
