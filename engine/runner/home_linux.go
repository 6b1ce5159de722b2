package runner

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// withHome returns env with HOME set, as runc sets it, when env has no HOME
// or an empty one: see homeEnv.
func withHome(env []string, uid uint32) []string {
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "HOME="); ok && v != "" {
			return env
		}
	}
	out := make([]string, 0, len(env)+1)
	for _, e := range env {
		if e != "HOME=" {
			out = append(out, e)
		}
	}
	return append(out, homeEnv(uid))
}

// homeEnv is the HOME a process gets when its config sets none, as runc
// gives it: the home directory of the entry for uid in the container's
// /etc/passwd, or "/" when there is no such entry. It must run inside the
// container's root, before the process drops to its user.
func homeEnv(uid uint32) string {
	home := "/"
	f, err := os.Open("/etc/passwd")
	if err != nil {
		return "HOME=" + home
	}
	defer f.Close()
	want := strconv.FormatUint(uint64(uid), 10)
	s := bufio.NewScanner(f)
	for s.Scan() {
		// name:password:uid:gid:gecos:home:shell
		fields := strings.Split(s.Text(), ":")
		if len(fields) >= 6 && fields[2] == want {
			if fields[5] != "" {
				home = fields[5]
			}
			break
		}
	}
	return "HOME=" + home
}

// hasEnv reports whether env sets the variable name.
func hasEnv(env []string, name string) bool {
	for _, e := range env {
		if k, _, ok := strings.Cut(e, "="); ok && k == name {
			return true
		}
	}
	return false
}
