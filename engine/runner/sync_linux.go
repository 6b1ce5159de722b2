package runner

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// Message types on the sync socket between berth and a container's init.
const (
	msgReady   = "ready"   // init → berth: set up, waiting to exec
	msgError   = "error"   // init → berth: setup or exec failed (Code, Message)
	msgConsole = "console" // init → berth: the terminal's controlling side, as an fd
	msgPid     = "pid"     // nsenter → berth: the pid of the process that goes on
)

// message is one packet on the sync socket.
type message struct {
	Type    string `json:"type"`
	Code    int    `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	Pid     int    `json:"pid,omitempty"`
}

// syncPair makes the sync socket pair: a SOCK_SEQPACKET pair, so that every
// message is one packet and a peer's exit or exec reads as end-of-file.
func syncPair() (parent, child *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("creating sync socket: %w", err)
	}
	return os.NewFile(uintptr(fds[0]), "sync"), os.NewFile(uintptr(fds[1]), "sync"), nil
}

// recv reads one message and the fd that came with it, or -1. It returns
// io.EOF when the peer closed its end, by exec or by exit.
func recv(f *os.File) (message, int, error) {
	var m message
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := unix.Recvmsg(int(f.Fd()), buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return m, -1, fmt.Errorf("reading sync socket: %w", err)
	}
	if n == 0 && oobn == 0 {
		return m, -1, io.EOF
	}
	fd := -1
	if oobn > 0 {
		cmsgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err == nil && len(cmsgs) > 0 {
			if fds, err := unix.ParseUnixRights(&cmsgs[0]); err == nil && len(fds) > 0 {
				fd = fds[0]
			}
		}
	}
	if err := json.Unmarshal(buf[:n], &m); err != nil {
		return m, fd, fmt.Errorf("reading sync socket: %w", err)
	}
	return m, fd, nil
}
