package analyze

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io/fs"
	"unsafe"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// The cached form of an Index: a magic line, the diff ID, the layer size,
// the entry count, then per entry the length of the prefix it shares with
// the previous path, the rest of the path, type, flags, mode, size, uid,
// gid and link, integers as uvarints; a CRC-32C of all that ends the file.
const codecMagic = "berth-analysis-1\n"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// MarshalBinary encodes the index compactly.
func (x *Index) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, 64+len(x.Entries)*24)
	b = append(b, codecMagic...)
	b = appendString(b, x.DiffID.String())
	b = binary.AppendUvarint(b, uint64(x.Size))
	b = binary.AppendUvarint(b, uint64(len(x.Entries)))
	prev := ""
	for i := range x.Entries {
		e := &x.Entries[i]
		n := 0
		for n < len(prev) && n < len(e.Path) && prev[n] == e.Path[n] {
			n++
		}
		b = binary.AppendUvarint(b, uint64(n))
		b = appendString(b, e.Path[n:])
		b = append(b, e.Type, byte(e.Flags))
		b = binary.AppendUvarint(b, uint64(e.Mode))
		b = binary.AppendUvarint(b, uint64(e.Size))
		b = binary.AppendUvarint(b, uint64(e.UID))
		b = binary.AppendUvarint(b, uint64(e.GID))
		b = appendString(b, e.Link)
		prev = e.Path
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli)), nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// UnmarshalBinary decodes an index written by MarshalBinary. All paths and
// links share one string, so decoding costs a few allocations whatever the
// number of entries.
func (x *Index) UnmarshalBinary(b []byte) error {
	if len(b) < len(codecMagic)+4 || string(b[:len(codecMagic)]) != codecMagic {
		return fmt.Errorf("%w: no header", ErrBadIndex)
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return fmt.Errorf("%w: checksum mismatch", ErrBadIndex)
	}
	d := decoder{b: body[len(codecMagic):]}
	diffID := d.bytes()
	size := d.uvarint()
	count := d.uvarint()
	if d.err != nil || count > uint64(len(d.b)) {
		return fmt.Errorf("%w: truncated", ErrBadIndex)
	}
	h, err := v1.NewHash(string(diffID))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadIndex, err)
	}
	entries := make([]Entry, count)
	// spans are offsets into strs: path start, path end, link end.
	spans := make([]uint32, 0, 3*count)
	strs := make([]byte, 0, len(d.b))
	var prevStart, prevEnd int
	for i := range entries {
		shared := d.uvarint()
		rest := d.bytes()
		if d.err != nil || shared > uint64(prevEnd-prevStart) {
			return fmt.Errorf("%w: truncated", ErrBadIndex)
		}
		start := len(strs)
		strs = append(strs, strs[prevStart:prevStart+int(shared)]...)
		strs = append(strs, rest...)
		end := len(strs)
		e := &entries[i]
		e.Type, e.Flags = d.byte(), Flags(d.byte())
		e.Mode = fs.FileMode(d.uvarint())
		e.Size = int64(d.uvarint())
		e.UID = uint32(d.uvarint())
		e.GID = uint32(d.uvarint())
		strs = append(strs, d.bytes()...)
		spans = append(spans, uint32(start), uint32(end), uint32(len(strs)))
		prevStart, prevEnd = start, end
	}
	if d.err != nil || len(d.b) != 0 {
		return fmt.Errorf("%w: truncated", ErrBadIndex)
	}
	all := unsafe.String(unsafe.SliceData(strs), len(strs))
	for i := range entries {
		s := spans[3*i : 3*i+3]
		entries[i].Path = all[s[0]:s[1]]
		if s[2] > s[1] {
			entries[i].Link = all[s[1]:s[2]]
		}
	}
	x.DiffID, x.Size, x.Entries = h, int64(size), entries
	return nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = ErrBadIndex
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.b) == 0 {
		d.err = ErrBadIndex
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = ErrBadIndex
		return nil
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
