package analyze

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

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
// faster than the standard library's); a plain tar that can seek is
// returned seekable, so that file data is skipped rather than read.
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
	if rs, ok := rc.(io.ReadSeeker); ok {
		var magic [4]byte
		n, _ := io.ReadFull(rs, magic[:])
		if _, err := rs.Seek(0, io.SeekStart); err == nil {
			if !bytes.HasPrefix(magic[:n], gzipMagic) && !bytes.HasPrefix(magic[:n], zstdMagic) {
				return newSeekBuffer(rs), rc.Close, nil
			}
		} else {
			rc.Close()
			return nil, nil, err
		}
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

// seekBuffer buffers reads of a seekable stream (tar headers are 512-byte
// reads) and turns forward seeks past the buffer into real seeks.
type seekBuffer struct {
	rs   io.ReadSeeker
	buf  []byte
	r, w int
	pos  int64 // offset of rs, just past buf[w-1]
}

func newSeekBuffer(rs io.ReadSeeker) *seekBuffer {
	pos, _ := rs.Seek(0, io.SeekCurrent)
	return &seekBuffer{rs: rs, buf: make([]byte, seekBufSize), pos: pos}
}

func (s *seekBuffer) Read(p []byte) (int, error) {
	if s.r == s.w {
		if len(p) >= len(s.buf) {
			n, err := s.rs.Read(p)
			s.pos += int64(n)
			return n, err
		}
		n, err := s.rs.Read(s.buf)
		s.pos += int64(n)
		s.r, s.w = 0, n
		if n == 0 {
			return 0, err
		}
	}
	n := copy(p, s.buf[s.r:s.w])
	s.r += n
	return n, nil
}

// Seek supports what archive/tar asks: io.SeekCurrent, forward.
func (s *seekBuffer) Seek(off int64, whence int) (int64, error) {
	if whence != io.SeekCurrent || off < 0 {
		return 0, errors.New("seekBuffer: only forward relative seeks")
	}
	if off <= int64(s.w-s.r) {
		s.r += int(off)
		return s.pos - int64(s.w-s.r), nil
	}
	off -= int64(s.w - s.r)
	s.r, s.w = 0, 0
	pos, err := s.rs.Seek(off, io.SeekCurrent)
	if err != nil {
		return 0, err
	}
	s.pos = pos
	return pos, nil
}

// seekBufSize is small: after a header, archive/tar seeks to the last byte of
// the file data and reads it, so a refill should hold that byte and the next
// header and little of the data that follows.
const seekBufSize = 4 << 10
