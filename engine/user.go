package engine

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ResolveUser turns a --user value (name, uid, name:group, uid:gid) into the
// numeric user, group and supplementary groups of the image's /etc/passwd and
// /etc/group, and the user's home directory. The files are read through an
// os.Root on the rootfs, so links inside the image cannot lead outside it.
// An empty value is root.
func ResolveUser(rootfs, spec string) (specs.User, string, error) {
	userPart, groupPart, hasGroup := strings.Cut(spec, ":")
	if userPart == "" {
		userPart = "0"
	}
	root, err := os.OpenRoot(rootfs)
	if err != nil {
		return specs.User{}, "", fmt.Errorf("resolving user %q: %w", spec, err)
	}
	defer root.Close()
	passwd, err := readColonFile(root, "etc/passwd")
	if err != nil {
		return specs.User{}, "", err
	}
	groups, err := readColonFile(root, "etc/group")
	if err != nil {
		return specs.User{}, "", err
	}
	var u specs.User
	var name, home string
	found := false
	if uid, err := strconv.ParseUint(userPart, 10, 32); err == nil {
		u.UID = uint32(uid)
		for _, f := range passwd {
			if len(f) >= 6 && f[2] == userPart {
				name, home, found = f[0], f[5], true
				gid, _ := strconv.ParseUint(f[3], 10, 32)
				u.GID = uint32(gid)
				break
			}
		}
	} else {
		for _, f := range passwd {
			if len(f) >= 6 && f[0] == userPart {
				uid, _ := strconv.ParseUint(f[2], 10, 32)
				gid, _ := strconv.ParseUint(f[3], 10, 32)
				u.UID, u.GID, name, home, found = uint32(uid), uint32(gid), f[0], f[5], true
				break
			}
		}
		if !found {
			return specs.User{}, "", fmt.Errorf("unable to find user %s: no matching entries in passwd file", userPart)
		}
	}
	if hasGroup {
		if gid, err := strconv.ParseUint(groupPart, 10, 32); err == nil {
			u.GID = uint32(gid)
		} else {
			ok := false
			for _, f := range groups {
				if len(f) >= 3 && f[0] == groupPart {
					gid, _ := strconv.ParseUint(f[2], 10, 32)
					u.GID, ok = uint32(gid), true
					break
				}
			}
			if !ok {
				return specs.User{}, "", fmt.Errorf("unable to find group %s: no matching entries in group file", groupPart)
			}
		}
	}
	// Supplementary groups: every group that lists the user by name.
	if name != "" && !hasGroup {
		for _, f := range groups {
			if len(f) < 4 {
				continue
			}
			for _, member := range strings.Split(f[3], ",") {
				if member == name {
					if gid, err := strconv.ParseUint(f[2], 10, 32); err == nil && uint32(gid) != u.GID {
						u.AdditionalGids = append(u.AdditionalGids, uint32(gid))
					}
				}
			}
		}
	}
	if home == "" {
		home = "/"
		if u.UID == 0 {
			home = "/root"
		}
	}
	return u, home, nil
}

// ResolveGroups turns --group-add values, group names or numbers, into
// gids through the image's /etc/group.
func ResolveGroups(rootfs string, names []string) ([]uint32, error) {
	root, err := os.OpenRoot(rootfs)
	if err != nil {
		return nil, fmt.Errorf("resolving groups: %w", err)
	}
	defer root.Close()
	groups, err := readColonFile(root, "etc/group")
	if err != nil {
		return nil, err
	}
	var gids []uint32
next:
	for _, n := range names {
		if gid, err := strconv.ParseUint(n, 10, 32); err == nil {
			gids = append(gids, uint32(gid))
			continue
		}
		for _, f := range groups {
			if len(f) >= 3 && f[0] == n {
				if gid, err := strconv.ParseUint(f[2], 10, 32); err == nil {
					gids = append(gids, uint32(gid))
					continue next
				}
			}
		}
		return nil, fmt.Errorf("--group-add %s: unable to find group %s: no matching entries in group file", n, n)
	}
	return gids, nil
}

// readColonFile reads a passwd-style file as fields; a missing file is empty.
func readColonFile(root *os.Root, name string) ([][]string, error) {
	f, err := root.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the image's /%s: %w", name, err)
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, strings.Split(line, ":"))
	}
	return out, sc.Err()
}
