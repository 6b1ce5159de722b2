package builder

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// owner resolves a --chown value (user, user:group, numeric or by name)
// against the stage's /etc/passwd and /etc/group. A user given alone takes
// its primary group, a number alone the same number as its group.
func (s *stageState) owner(spec string, view *fsView) (uid, gid int, ok bool, err error) {
	if spec == "" {
		return 0, 0, false, nil
	}
	user, group, hasGroup := strings.Cut(spec, ":")
	uid, primary, err := lookupID(user, view.passwd, 2, 3, "user")
	if err != nil {
		return 0, 0, false, err
	}
	switch {
	case !hasGroup && primary >= 0:
		gid = primary
	case !hasGroup:
		gid = uid
	default:
		if gid, _, err = lookupID(group, view.group, 2, -1, "group"); err != nil {
			return 0, 0, false, err
		}
	}
	return uid, gid, true, nil
}

// lookupID returns the id of name in a passwd or group file (a number is
// itself), and for passwd the primary group, else -1.
func lookupID(name string, file []byte, idCol, gidCol int, what string) (int, int, error) {
	if n, err := strconv.Atoi(name); err == nil {
		if n < 0 {
			return 0, 0, fmt.Errorf("invalid %s id %d", what, n)
		}
		return n, -1, nil
	}
	if name == "" {
		return 0, 0, fmt.Errorf("empty %s name", what)
	}
	sc := bufio.NewScanner(bytes.NewReader(file))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) <= idCol || f[0] != name {
			continue
		}
		id, err := strconv.Atoi(f[idCol])
		if err != nil {
			return 0, 0, fmt.Errorf("bad %s entry for %s", what, name)
		}
		primary := -1
		if gidCol >= 0 && len(f) > gidCol {
			if g, err := strconv.Atoi(f[gidCol]); err == nil {
				primary = g
			}
		}
		return id, primary, nil
	}
	return 0, 0, fmt.Errorf("%s %s not found in the stage's /etc/%s: %w", what, name, map[string]string{"user": "passwd", "group": "group"}[what], ErrNoSuchUser)
}
