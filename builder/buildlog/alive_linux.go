package buildlog

import "golang.org/x/sys/unix"

// alive says whether process pid exists.
func alive(pid int) bool {
	return pid > 0 && unix.Kill(pid, 0) != unix.ESRCH
}
