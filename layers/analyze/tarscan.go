package analyze

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unsafe"
)

// ScanTar indexes a plain (uncompressed) layer tar of the given size read
// through r, reading only header blocks: each header is read where it lies
// and file data is never touched. Names are kept in shared arenas, so the
// walk costs no allocation per file beyond the Entry itself. It reads
// ustar, GNU (long names and links) and PAX (path, linkpath, size, uid,
// gid) headers, as archive/tar does, and verifies header checksums.
func ScanTar(r io.ReaderAt, size int64) (*Index, error) {
	s := scanner{r: r, size: size, buf: make([]byte, scanWindow)}
	b := newBuilder()
	var longName, longLink string
	var pax map[string]string
	for off := int64(0); ; {
		hdr, err := s.block(off)
		if err != nil {
			return nil, err
		}
		if hdr == nil || isZero(hdr) {
			break
		}
		if err := checkSum(hdr); err != nil {
			return nil, fmt.Errorf("reading layer tar: header at offset %d: %w", off, err)
		}
		typ := hdr[156]
		n, err := parseNumeric(hdr[124:136])
		if err != nil || n < 0 || (n > size && !headerOnly(typ)) {
			return nil, fmt.Errorf("reading layer tar: header at offset %d: bad size", off)
		}
		if headerOnly(typ) && n > size {
			n = 0 // never used to skip; keep the sum of sizes sane
		}
		data := off + 512
		next := data + (n+511)&^511
		if next > size && !headerOnly(typ) {
			return nil, fmt.Errorf("reading layer tar: %w", io.ErrUnexpectedEOF)
		}
		switch typ {
		case tar.TypeXGlobalHeader:
			off = next
			continue
		case tar.TypeXHeader, tar.TypeGNULongName, tar.TypeGNULongLink:
			if n > 1<<20 {
				return nil, fmt.Errorf("reading layer tar: header at offset %d: extended header too large", off)
			}
			ext := make([]byte, n)
			if _, err := r.ReadAt(ext, data); err != nil {
				return nil, fmt.Errorf("reading layer tar: %w", err)
			}
			switch typ {
			case tar.TypeXHeader:
				if pax, err = parsePAX(ext); err != nil {
					return nil, fmt.Errorf("reading layer tar: header at offset %d: %w", off, err)
				}
			case tar.TypeGNULongName:
				longName = string(bytes.TrimRight(ext, "\x00"))
			default:
				longLink = string(bytes.TrimRight(ext, "\x00"))
			}
			off = next
			continue
		}
		name := s.str(cstr(hdr[0:100]))
		if bytes.Equal(hdr[257:263], []byte("ustar\x00")) {
			if prefix := cstr(hdr[345:500]); len(prefix) > 0 {
				name = s.str(append(append(append([]byte{}, prefix...), '/'), cstr(hdr[0:100])...))
			}
		}
		link := s.str(cstr(hdr[157:257]))
		mode, err1 := parseNumeric(hdr[100:108])
		uid, err2 := parseNumeric(hdr[108:116])
		gid, err3 := parseNumeric(hdr[116:124])
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("reading layer tar: header at offset %d: %w", off, err)
		}
		if longName != "" {
			name, longName = longName, ""
		}
		if longLink != "" {
			link, longLink = longLink, ""
		}
		if pax != nil {
			if v, ok := pax["path"]; ok {
				name = v
			}
			if v, ok := pax["linkpath"]; ok {
				link = v
			}
			if v, ok := pax["size"]; ok {
				if n, err = strconv.ParseInt(v, 10, 64); err != nil || n < 0 || n > size {
					return nil, fmt.Errorf("reading layer tar: header at offset %d: bad PAX size", off)
				}
				next = data + (n+511)&^511
			}
			if v, ok := pax["uid"]; ok {
				uid, _ = strconv.ParseInt(v, 10, 64)
			}
			if v, ok := pax["gid"]; ok {
				gid, _ = strconv.ParseInt(v, 10, 64)
			}
			pax = nil
		}
		if headerOnly(typ) {
			next = data
		} else if next > size {
			return nil, fmt.Errorf("reading layer tar: %w", io.ErrUnexpectedEOF)
		}
		b.add(name, link, n, mode, int(uid), int(gid), typ)
		off = next
	}
	return b.index(), nil
}

// headerOnly says whether entries of a type have no data, whatever size
// their header gives (as archive/tar reads them).
func headerOnly(typ byte) bool {
	switch typ {
	case tar.TypeLink, tar.TypeSymlink, tar.TypeDir, tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return true
	}
	return false
}

const scanWindow = 4 << 10

type scanner struct {
	r      io.ReaderAt
	size   int64
	buf    []byte
	bufOff int64
	bufLen int
	arena  []byte
}

// block returns the 512-byte block at off, reading a window from there when
// it is not in the current one; nil at the end of the stream.
func (s *scanner) block(off int64) ([]byte, error) {
	if off == s.size {
		return nil, nil // no end-of-archive blocks, as archive/tar allows
	}
	if off+512 > s.size {
		return nil, fmt.Errorf("reading layer tar: %w", io.ErrUnexpectedEOF)
	}
	if off < s.bufOff || off+512 > s.bufOff+int64(s.bufLen) {
		n := int(min(int64(len(s.buf)), s.size-off))
		m, err := s.r.ReadAt(s.buf[:n], off)
		if m < 512 {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("reading layer tar: %w", err)
		}
		s.bufOff, s.bufLen = off, m
	}
	i := int(off - s.bufOff)
	return s.buf[i : i+512], nil
}

// str copies b into the arena and returns it as a string. Arenas are never
// reallocated, only replaced when full, so the strings stay valid.
func (s *scanner) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(s.arena)+len(b) > cap(s.arena) {
		s.arena = make([]byte, 0, max(64<<10, len(b)))
	}
	start := len(s.arena)
	s.arena = append(s.arena, b...)
	return unsafe.String(&s.arena[start], len(b))
}

func cstr(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func checkSum(hdr []byte) error {
	want, err := parseNumeric(hdr[148:156])
	if err != nil {
		return errors.New("bad checksum field")
	}
	var unsigned, signed int64
	for i, c := range hdr {
		if i >= 148 && i < 156 {
			c = ' '
		}
		unsigned += int64(c)
		signed += int64(int8(c))
	}
	if want != unsigned && want != signed {
		return errors.New("checksum mismatch")
	}
	return nil
}

// parseNumeric reads an octal field, or a base-256 one (high bit set).
func parseNumeric(b []byte) (int64, error) {
	if len(b) > 0 && b[0]&0x80 != 0 {
		if b[0]&0x40 != 0 {
			return 0, errors.New("negative base-256 number")
		}
		var v int64
		for i, c := range b {
			if i == 0 {
				c &= 0x7f
			}
			if v>>55 != 0 {
				return 0, errors.New("base-256 number overflows")
			}
			v = v<<8 | int64(c)
		}
		return v, nil
	}
	b = bytes.Trim(b, " \x00")
	if len(b) == 0 {
		return 0, nil
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '7' || v>>60 != 0 {
			return 0, errors.New("bad octal number")
		}
		v = v<<3 | int64(c-'0')
	}
	return v, nil
}

// parsePAX reads "%d key=value\n" records.
func parsePAX(b []byte) (map[string]string, error) {
	m := map[string]string{}
	for len(b) > 0 {
		sp := bytes.IndexByte(b, ' ')
		if sp <= 0 {
			return nil, errors.New("bad PAX record")
		}
		n, err := strconv.Atoi(string(b[:sp]))
		if err != nil || n <= sp+1 || n > len(b) || b[n-1] != '\n' {
			return nil, errors.New("bad PAX record")
		}
		kv := b[sp+1 : n-1]
		eq := bytes.IndexByte(kv, '=')
		if eq < 0 {
			return nil, errors.New("bad PAX record")
		}
		m[string(kv[:eq])] = string(kv[eq+1:])
		b = b[n:]
	}
	return m, nil
}
