package layers

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// NormalizeName returns the full form of an image name the way docker writes
// it: "busybox" is "docker.io/library/busybox:latest"; a name with a digest
// keeps it ("repo@sha256:…").
func NormalizeName(s string) (string, error) {
	in := s
	// A one-letter name on Docker Hub ("x", "x:1") is docker's
	// "library/x"; the parser wants repositories of two characters or more.
	if !strings.Contains(s, "/") {
		if repo, _, _ := strings.Cut(strings.SplitN(s, "@", 2)[0], ":"); len(repo) == 1 {
			in = "library/" + s
		}
	}
	ref, err := name.ParseReference(in)
	if err != nil {
		return "", fmt.Errorf("invalid reference format %q: %w", s, err)
	}
	repo := ref.Context()
	reg := repo.RegistryStr()
	if reg == name.DefaultRegistry {
		reg = "docker.io"
	}
	full := reg + "/" + repo.RepositoryStr()
	switch r := ref.(type) {
	case name.Digest:
		return full + "@" + r.DigestStr(), nil
	case name.Tag:
		return full + ":" + r.TagStr(), nil
	}
	return "", fmt.Errorf("invalid reference format %q", s)
}

// FamiliarName shortens a normalised name the way docker prints it:
// "docker.io/library/busybox:latest" is "busybox:latest".
func FamiliarName(full string) string {
	s := strings.TrimPrefix(full, "docker.io/")
	if s != full {
		s = strings.TrimPrefix(s, "library/")
	}
	return s
}

// SplitName splits a familiar or full name into repository and tag (or
// digest); tag is "<none>" when the name carries a digest only.
func SplitName(n string) (repo, tag string) {
	if i := strings.Index(n, "@"); i >= 0 {
		return n[:i], "<none>"
	}
	if i := strings.LastIndex(n, ":"); i > strings.LastIndex(n, "/") {
		return n[:i], n[i+1:]
	}
	return n, "latest"
}
