package layers

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/zstd"
)

// Import makes a one-layer image from a root filesystem tar (plain, gzip or
// zstd), applies changes (Dockerfile instructions, see ApplyChanges) and
// stores it under ref ("" for none). The tar is read through to its end
// first, so a corrupt or truncated one stores nothing. It returns the image ID.
func (s *Store) Import(ctx context.Context, r io.Reader, ref string, changes []string) (v1.Hash, error) {
	var names []string
	if ref != "" {
		if _, err := NormalizeName(ref); err != nil {
			return v1.Hash{}, err
		}
		names = []string{ref}
	}
	cfg := v1.Config{}
	if err := ApplyChanges(&cfg, changes); err != nil {
		return v1.Hash{}, err
	}
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "import-*.tar.gz")
	if err != nil {
		return v1.Hash{}, fmt.Errorf("importing: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	diffID, err := gzipTar(ctx, r, tmp)
	if err != nil {
		return v1.Hash{}, err
	}
	if err := tmp.Sync(); err != nil {
		return v1.Hash{}, fmt.Errorf("importing: %w", err)
	}
	layer, err := tarball.LayerFromFile(tmp.Name(), tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return v1.Hash{}, fmt.Errorf("importing: %w", err)
	}
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	now := time.Now().UTC().Truncate(time.Second)
	img, err := mutate.Append(base, mutate.Addendum{Layer: layer, MediaType: types.OCILayer,
		History: v1.History{Created: v1.Time{Time: now}, CreatedBy: "berth import", Comment: "Imported from tarball"}})
	if err != nil {
		return v1.Hash{}, fmt.Errorf("importing: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return v1.Hash{}, err
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS, cf.Created, cf.Config = runtime.GOARCH, "linux", v1.Time{Time: now}, cfg
	if cf.RootFS.DiffIDs[0] != diffID {
		return v1.Hash{}, fmt.Errorf("importing: layer hashes to %s, expected %s: %w", cf.RootFS.DiffIDs[0], diffID, ErrDigestMismatch)
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return v1.Hash{}, err
	}
	return s.Write(ctx, img, names...)
}

// gzipTar reads a tar stream (plain, gzip or zstd), checking every header
// and entry, and writes it gzip-compressed to w. It returns the digest of
// the uncompressed tar.
func gzipTar(ctx context.Context, r io.Reader, w io.Writer) (v1.Hash, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	magic, _ := br.Peek(4)
	var in io.Reader = br
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		gz, err := gzip.NewReader(br)
		if err != nil {
			return v1.Hash{}, fmt.Errorf("importing: reading gzip: %w", err)
		}
		in = gz
	case len(magic) == 4 && bytes.Equal(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br)
		if err != nil {
			return v1.Hash{}, fmt.Errorf("importing: reading zstd: %w", err)
		}
		defer zr.Close()
		in = zr
	}
	sink := &stickyWriter{w: w}
	gw, _ := gzip.NewWriterLevel(sink, gzip.BestSpeed)
	h := sha256.New()
	tee := io.TeeReader(in, io.MultiWriter(gw, h))
	tr := tar.NewReader(tee)
	entries := 0
	for {
		if err := ctx.Err(); err != nil {
			return v1.Hash{}, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if sink.err != nil {
			return v1.Hash{}, fmt.Errorf("importing: writing the layer: %w", sink.err)
		}
		if err != nil {
			return v1.Hash{}, fmt.Errorf("importing: reading tar after %d entries: %w: %w", entries, err, ErrBadArchive)
		}
		if _, err := io.Copy(io.Discard, tr); err != nil {
			if sink.err != nil {
				return v1.Hash{}, fmt.Errorf("importing: writing the layer: %w", sink.err)
			}
			return v1.Hash{}, fmt.Errorf("importing: reading tar entry %s: %w: %w", strings.TrimPrefix(hdr.Name, "./"), err, ErrBadArchive)
		}
		entries++
	}
	if entries == 0 {
		return v1.Hash{}, fmt.Errorf("importing: the tar has no entries: %w", ErrBadArchive)
	}
	// The end-of-archive blocks belong to the layer too.
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return v1.Hash{}, fmt.Errorf("importing: %w", err)
	}
	if err := gw.Close(); err != nil {
		return v1.Hash{}, fmt.Errorf("importing: writing the layer: %w", err)
	}
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}, nil
}

// stickyWriter remembers the first write error, so that a full disk is told
// apart from a bad archive.
type stickyWriter struct {
	w   io.Writer
	err error
}

func (s *stickyWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	s.err = err
	return n, err
}
