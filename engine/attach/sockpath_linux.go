package attach

import (
	"fmt"
	"net"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// maxSockPath is what fits in sockaddr_un's sun_path with its terminating NUL.
const maxSockPath = 107

// withShortPath calls fn with a name for path that fits a unix socket address:
// path itself when short enough, otherwise /proc/self/fd/N/<base> through an
// O_PATH descriptor on the directory, which the kernel resolves the same way.
// A container's directory under a deep root would otherwise be out of reach.
func withShortPath(path string, fn func(string) error) error {
	if len(path) <= maxSockPath {
		return fn(path)
	}
	fd, err := unix.Open(filepath.Dir(path), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening socket directory: %w", err)
	}
	defer unix.Close(fd)
	return fn(fmt.Sprintf("/proc/self/fd/%d/%s", fd, filepath.Base(path)))
}

func listenUnix(path string) (net.Listener, error) {
	var ln net.Listener
	err := withShortPath(path, func(p string) error {
		var err error
		ln, err = net.Listen("unix", p)
		if ul, ok := ln.(*net.UnixListener); ok {
			// The short name is only valid while we hold the directory open:
			// never try to unlink it by that name on close.
			ul.SetUnlinkOnClose(false)
		}
		return err
	})
	return ln, err
}

func dialUnix(path string) (net.Conn, error) {
	var c net.Conn
	err := withShortPath(path, func(p string) error {
		var err error
		c, err = net.Dial("unix", p)
		return err
	})
	return c, err
}
