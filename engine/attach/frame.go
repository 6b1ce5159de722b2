// Package attach connects berth processes to a running container's stdio
// through its supervisor: a unix socket on which the supervisor sends the
// container's output to every attached client, takes stdin and terminal
// resizes from them, and finally reports the exit code.
//
// Frames are docker's multiplexed stream: an 8-byte header (stream byte,
// three zero bytes, big-endian uint32 length) and the payload, so output can
// also be read with docker's stdcopy. berth adds stream numbers for what flows
// the other way and for the end.
package attach

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Stream numbers. Stdin, Stdout and Stderr are docker's; the others are berth's.
const (
	Stdin      byte = 0
	Stdout     byte = 1
	Stderr     byte = 2
	Resize     byte = 10 // payload: width, height as big-endian uint16s
	CloseStdin byte = 11 // the client has no more input
	Exit       byte = 12 // payload: the exit code as a big-endian int32
	Ready      byte = 13 // sent once after attaching: output from here on is live
)

// maxFrame bounds a frame's payload so a broken peer cannot make us allocate
// without limit.
const maxFrame = 1 << 20

// ErrFrameTooLarge is returned for a frame over the size bound.
var ErrFrameTooLarge = errors.New("attach frame too large")

// WriteFrame writes one frame.
func WriteFrame(w io.Writer, stream byte, payload []byte) error {
	for len(payload) > maxFrame {
		if err := WriteFrame(w, stream, payload[:maxFrame]); err != nil {
			return err
		}
		payload = payload[maxFrame:]
	}
	buf := make([]byte, 8+len(payload))
	buf[0] = stream
	binary.BigEndian.PutUint32(buf[4:8], uint32(len(payload)))
	copy(buf[8:], payload)
	_, err := w.Write(buf)
	return err
}

// ReadFrame reads one frame into buf (grown as needed) and returns the stream
// and payload.
func ReadFrame(r io.Reader, buf []byte) (byte, []byte, error) {
	var hdr [8]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[4:8])
	if n > maxFrame {
		return 0, nil, fmt.Errorf("%w: %d bytes", ErrFrameTooLarge, n)
	}
	if cap(buf) < int(n) {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		return 0, nil, err
	}
	return hdr[0], buf, nil
}

func resizePayload(w, h uint16) []byte {
	var p [4]byte
	binary.BigEndian.PutUint16(p[0:2], w)
	binary.BigEndian.PutUint16(p[2:4], h)
	return p[:]
}

func exitPayload(code int) []byte {
	var p [4]byte
	binary.BigEndian.PutUint32(p[:], uint32(int32(code)))
	return p[:]
}
