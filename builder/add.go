package builder

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/berth-dev/berth/builder/dockerfile"
	"github.com/berth-dev/berth/builder/progress"
)

// maxDownload bounds an ADD download held in memory.
const maxDownload = 1 << 30

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// download fetches an ADD URL source, checking --checksum when given. The
// file is named after the URL's last path element, mode 0600, with the
// server's Last-Modified time, as docker does.
func (s *stageState) download(in *dockerfile.Instruction, src, checksum string) (srcFile, error) {
	u, err := url.Parse(src)
	if err != nil {
		return srcFile{}, in.Errorf(dockerfile.ErrInvalid, "invalid URL %s: %v", src, err)
	}
	s.b.emit(progress.Event{Kind: progress.Output, Stage: stageLabel(s.sr.st), Step: s.step, Text: "downloading " + src})
	req, err := http.NewRequestWithContext(s.ctx, http.MethodGet, src, nil)
	if err != nil {
		return srcFile{}, in.Errorf(dockerfile.ErrInvalid, "downloading %s: %v", src, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return srcFile{}, in.Errorf(ErrSourceMissing, "downloading %s: %v", src, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return srcFile{}, in.Errorf(ErrSourceMissing, "downloading %s: %s", src, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		return srcFile{}, in.Errorf(ErrSourceMissing, "downloading %s: %v", src, err)
	}
	if len(data) > maxDownload {
		return srcFile{}, in.Errorf(dockerfile.ErrInvalid, "downloading %s: larger than %d bytes", src, maxDownload)
	}
	if checksum != "" {
		want, ok := strings.CutPrefix(checksum, "sha256:")
		if !ok {
			return srcFile{}, in.Errorf(dockerfile.ErrInvalid, "--checksum %s: only sha256:<hex> is supported", checksum)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != strings.ToLower(want) {
			return srcFile{}, in.Errorf(ErrChecksum, "%s has sha256:%s, not %s", src, got, checksum)
		}
	}
	mtime := time.Unix(0, 0)
	if lm, err := http.ParseTime(resp.Header.Get("Last-Modified")); err == nil {
		mtime = lm
	}
	name := path.Base(u.Path)
	if name == "/" || name == "." || name == "" {
		name = "index.html"
	}
	return srcFile{rel: name, hdr: tar.Header{Typeflag: tar.TypeReg, Mode: 0o600, ModTime: mtime, Size: int64(len(data))}, data: data}, nil
}

// decompressor returns a reader of a tar archive's bytes, if r is one: plain,
// gzip, bzip2 or zstd compressed.
func decompressor(r *bufio.Reader) (io.Reader, func(), bool) {
	magic, _ := r.Peek(4)
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		gz, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, false
		}
		return gz, func() { gz.Close() }, true
	case bytes.HasPrefix(magic, []byte("BZh")):
		return bzip2.NewReader(r), func() {}, true
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(r)
		if err != nil {
			return nil, nil, false
		}
		return zr, zr.Close, true
	}
	return r, func() {}, true
}

// isArchive reports whether a source file is a tar archive (possibly
// compressed) that ADD unpacks.
func isArchive(f srcFile) (bool, error) {
	rc, err := openSrc(f)
	if err != nil {
		return false, err
	}
	defer rc.Close()
	br := bufio.NewReader(rc)
	r, done, ok := decompressor(br)
	if !ok {
		return false, nil
	}
	defer done()
	tr := tar.NewReader(r)
	_, err = tr.Next()
	return err == nil, nil
}

func openSrc(f srcFile) (io.ReadCloser, error) {
	if f.open != nil {
		return f.open()
	}
	return io.NopCloser(bytes.NewReader(f.data)), nil
}

// unpackArchive reads an archive into layer entries under dest. Names are
// cleaned so no entry lands outside dest, and hard links must point at an
// entry of the same archive.
func unpackArchive(f srcFile, dest string) ([]entry, error) {
	rc, err := openSrc(f)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	r, done, ok := decompressor(bufio.NewReader(rc))
	if !ok {
		return nil, fmt.Errorf("not an archive")
	}
	defer done()
	tr := tar.NewReader(r)
	var out []entry
	seen := map[string]bool{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		name := cleanRel(h.Name)
		if name == "" {
			continue
		}
		e := entry{hdr: *h}
		e.hdr.Name = path.Join(dest, name)
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeRegA:
			e.hdr.Typeflag = tar.TypeReg
			if e.data, err = io.ReadAll(tr); err != nil {
				return nil, err
			}
		case tar.TypeLink:
			target := cleanRel(h.Linkname)
			if !seen[target] {
				return nil, fmt.Errorf("hard link %s points at %s, which the archive does not have before it", h.Name, h.Linkname)
			}
			e.hdr.Linkname = path.Join(dest, target)
		case tar.TypeDir, tar.TypeSymlink, tar.TypeFifo:
		default:
			continue // devices and the like are not unpacked
		}
		seen[name] = true
		out = append(out, e)
	}
}
