package analyze

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	kgzip "github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Layer is what indexing needs of a layer. A v1.Layer is one; so are the
// layers of a DockerArchive.
type Layer interface {
	DiffID() (v1.Hash, error)
}

// rawLayer is a layer whose stream, plain or compressed, can be read as it is
// stored: Compressed of a v1.Layer from an OCI layout, or the layer of a
// docker archive.
type rawLayer interface {
	Compressed() (io.ReadCloser, error)
}

// uncompressedLayer gives the tar stream directly.
type uncompressedLayer interface {
	Uncompressed() (io.ReadCloser, error)
}

var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// openTar opens a layer's tar stream. The stored stream is preferred, then
// decompressed here by its magic bytes (klauspost's gzip and zstd are much
// faster than the standard library's).
func openTar(l Layer) (io.Reader, func() error, error) {
	var (
		rc  io.ReadCloser
		err error
	)
	switch l := l.(type) {
	case rawLayer:
		rc, err = l.Compressed()
	case uncompressedLayer:
		rc, err = l.Uncompressed()
		if err == nil {
			return rc, rc.Close, nil
		}
	default:
		return nil, nil, errors.New("layer has no readable stream")
	}
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(rc, 256<<10)
	magic, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(magic, gzipMagic):
		zr, err := kgzip.NewReader(br)
		if err != nil {
			rc.Close()
			return nil, nil, fmt.Errorf("opening gzip stream: %w", err)
		}
		return zr, func() error { zr.Close(); return rc.Close() }, nil
	case bytes.HasPrefix(magic, zstdMagic):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			rc.Close()
			return nil, nil, fmt.Errorf("opening zstd stream: %w", err)
		}
		return zr, func() error { zr.Close(); return rc.Close() }, nil
	}
	return br, rc.Close, nil
}

// plainTar returns the stored stream of a layer as an io.ReaderAt and its
// size when it is an uncompressed tar that can be read at offsets (a file,
// a section of a docker archive), for ScanTar.
func plainTar(l Layer) (io.ReaderAt, int64, func() error, bool) {
	rl, ok := l.(rawLayer)
	if !ok {
		return nil, 0, nil, false
	}
	rc, err := rl.Compressed()
	if err != nil {
		return nil, 0, nil, false
	}
	var (
		ra   io.ReaderAt
		size int64
	)
	switch f := rc.(type) {
	case sectionCloser:
		ra, size = f, f.Size()
	case *os.File:
		st, err := f.Stat()
		if err != nil || !st.Mode().IsRegular() {
			rc.Close()
			return nil, 0, nil, false
		}
		ra, size = f, st.Size()
	default:
		rc.Close()
		return nil, 0, nil, false
	}
	var magic [4]byte
	n, _ := ra.ReadAt(magic[:], 0)
	if bytes.HasPrefix(magic[:n], gzipMagic) || bytes.HasPrefix(magic[:n], zstdMagic) {
		rc.Close()
		return nil, 0, nil, false
	}
	return ra, size, rc.Close, true
}

// contextReaderAt stops reads once the context is done.
type contextReaderAt struct {
	ctx context.Context
	r   io.ReaderAt
}

func (c contextReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.ReadAt(p, off)
}
