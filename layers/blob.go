package layers

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/zstd"
)

// putBlob writes content to the store under digest want unless it is there
// already. The content is hashed as it is written to a temporary file and
// becomes visible (by rename) only if it matches. When diffID is not zero the
// content is a layer: its uncompressed form must hash to diffID too. It
// returns the number of bytes read; progress, if set, hears of them.
func (s *Store) putBlob(r io.Reader, want v1.Hash, diffID v1.Hash, progress func(n int64)) (int64, error) {
	if want.Algorithm != "sha256" || len(want.Hex) != 64 {
		return 0, fmt.Errorf("unsupported digest %q", want)
	}
	if s.hasBlob(want) {
		return 0, nil
	}
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "blob-*")
	if err != nil {
		return 0, fmt.Errorf("writing blob %s: %w", want, err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()

	h := sha256.New()
	w := io.MultiWriter(tmp, h)
	var pw *io.PipeWriter
	diffDone := make(chan error, 1)
	if diffID != (v1.Hash{}) {
		var pr *io.PipeReader
		pr, pw = io.Pipe()
		w = io.MultiWriter(tmp, h, pw)
		go func() {
			err := checkDiffID(pr, diffID)
			pr.CloseWithError(err)
			io.Copy(io.Discard, pr)
			diffDone <- err
		}()
	}
	n, err := io.Copy(w, &countingReader{r: r, fn: progress})
	if pw != nil {
		pw.CloseWithError(err)
		if derr := <-diffDone; err == nil && derr != nil {
			err = derr
		}
	}
	if err != nil {
		return n, fmt.Errorf("writing blob %s: %w", want, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want.Hex {
		return n, fmt.Errorf("blob %s: content hashes to sha256:%s: %w", want, got, ErrDigestMismatch)
	}
	if err := tmp.Sync(); err != nil {
		return n, fmt.Errorf("writing blob %s: %w", want, err)
	}
	if err := tmp.Close(); err != nil {
		return n, fmt.Errorf("writing blob %s: %w", want, err)
	}
	if err := os.Rename(tmp.Name(), s.blobPath(want)); err != nil {
		return n, fmt.Errorf("writing blob %s: %w", want, err)
	}
	syncDir(filepath.Dir(s.blobPath(want)))
	return n, nil
}

// putBytes stores a small blob (a manifest or config) and returns its digest.
func (s *Store) putBytes(b []byte) (v1.Hash, error) {
	h, _, err := v1.SHA256(bytes.NewReader(b))
	if err != nil {
		return h, err
	}
	_, err = s.putBlob(bytes.NewReader(b), h, v1.Hash{}, nil)
	return h, err
}

// checkDiffID decompresses a layer (gzip, zstd or none, told apart by their
// magic numbers) and checks its uncompressed digest.
func checkDiffID(r io.Reader, diffID v1.Hash) error {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(4)
	var u io.Reader = br
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		gz, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("layer %s: %w", diffID, err)
		}
		defer gz.Close()
		u = gz
	case len(magic) == 4 && bytes.Equal(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br)
		if err != nil {
			return fmt.Errorf("layer %s: %w", diffID, err)
		}
		defer zr.Close()
		u = zr
	}
	h := sha256.New()
	if _, err := io.Copy(h, u); err != nil {
		return fmt.Errorf("decompressing layer %s: %w", diffID, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != diffID.Hex {
		return fmt.Errorf("layer content hashes to sha256:%s, config says %s: %w", got, diffID, ErrDigestMismatch)
	}
	return nil
}

// countingReader reports the bytes read through it.
type countingReader struct {
	r  io.Reader
	fn func(int64)
	n  int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.fn != nil && n > 0 {
		c.fn(c.n)
	}
	return n, err
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
