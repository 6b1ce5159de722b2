package builder

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"

	"github.com/berth-dev/berth/builder/cache"
)

// buildContext is the directory COPY and ADD read from, minus what
// .dockerignore (or <Dockerfile>.dockerignore) excludes.
type buildContext struct {
	dir string
	pm  *patternmatcher.PatternMatcher
}

// openContext reads the ignore file: <Dockerfile>.dockerignore beside the
// Dockerfile when there is one, else .dockerignore at the context's root.
func openContext(dir, dockerfilePath string) (*buildContext, error) {
	c := &buildContext{dir: dir}
	if dir == "" {
		return c, nil
	}
	candidates := []string{filepath.Join(dir, ".dockerignore")}
	if dockerfilePath != "" {
		candidates = append([]string{dockerfilePath + ".dockerignore"}, candidates...)
	}
	for _, p := range candidates {
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		patterns, err := ignorefile.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		if c.pm, err = patternmatcher.New(patterns); err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		break
	}
	return c, nil
}

func (c *buildContext) excluded(rel string) bool {
	if c.pm == nil || rel == "" || rel == "." {
		return false
	}
	ok, err := c.pm.MatchesOrParentMatches(rel)
	return err == nil && ok
}

// srcFile is a file a COPY or ADD reads.
type srcFile struct {
	rel  string // relative to the source's root
	hdr  tar.Header
	open func() (io.ReadCloser, error)
	data []byte
	// sum identifies the content for the cache key; only context files have it.
	sum string
}

// contextSource reads sources from the build context.
type contextSource struct {
	c     *buildContext
	cache *cache.Cache
}

// checkRel rejects a source that climbs out of the context and returns its
// clean relative path ("" for the root).
func (cs *contextSource) checkRel(src string) (string, error) {
	if cs.c.dir == "" {
		return "", fmt.Errorf("%s: no build context was given: %w", src, ErrSourceMissing)
	}
	clean := filepath.ToSlash(filepath.Clean(src))
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("%s: %w", src, ErrOutsideContext)
	}
	return cleanRel(clean), nil
}

// match returns the context paths a source names: itself, or what its
// wildcards match (filepath.Match, one path element per *).
func (cs *contextSource) match(src string) ([]string, error) {
	rel, err := cs.checkRel(src)
	if err != nil {
		return nil, err
	}
	if !hasMeta(rel) {
		if _, err := cs.stat(rel); err != nil {
			return nil, err
		}
		return []string{rel}, nil
	}
	parts := strings.Split(rel, "/")
	var out []string
	var walk func(dir string, i int) error
	walk = func(dir string, i int) error {
		if i == len(parts) {
			out = append(out, dir)
			return nil
		}
		if !hasMeta(parts[i]) {
			next := path.Join(dir, parts[i])
			if _, err := os.Lstat(filepath.Join(cs.c.dir, next)); err == nil && !cs.c.excluded(next) {
				return walk(next, i+1)
			}
			return nil
		}
		ents, err := os.ReadDir(filepath.Join(cs.c.dir, dir))
		if err != nil {
			return nil
		}
		for _, e := range ents {
			next := path.Join(dir, e.Name())
			ok, err := path.Match(parts[i], e.Name())
			if err != nil {
				return fmt.Errorf("pattern %s: %w", src, err)
			}
			if ok && !cs.c.excluded(next) {
				if err := walk(next, i+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk("", 0); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no files in the build context match %s: %w", src, ErrSourceMissing)
	}
	return out, nil
}

func hasMeta(p string) bool { return strings.ContainsAny(p, `*?[`) }

// stat describes a source path, following a symlink at the top within the
// context (a link can never lead outside it).
func (cs *contextSource) stat(rel string) (srcFile, error) {
	if cs.c.excluded(rel) {
		return srcFile{}, fmt.Errorf("%s is excluded by .dockerignore: %w", rel, ErrSourceMissing)
	}
	abs, err := securejoin.SecureJoin(cs.c.dir, rel)
	if err != nil {
		return srcFile{}, fmt.Errorf("resolving %s: %w", rel, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return srcFile{}, fmt.Errorf("%s: not found in the build context: %w", rel, ErrSourceMissing)
	}
	return cs.file(rel, abs, fi)
}

func (cs *contextSource) file(rel, abs string, fi fs.FileInfo) (srcFile, error) {
	link := ""
	if fi.Mode()&fs.ModeSymlink != 0 {
		var err error
		if link, err = os.Readlink(abs); err != nil {
			return srcFile{}, err
		}
	}
	h, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		return srcFile{}, fmt.Errorf("%s: %w", rel, err)
	}
	h.Uid, h.Gid, h.Uname, h.Gname = 0, 0, "", ""
	f := srcFile{rel: rel, hdr: *h}
	switch h.Typeflag {
	case tar.TypeReg:
		sum, err := cs.cache.HashFile(abs, fi)
		if err != nil {
			return srcFile{}, err
		}
		f.sum = fmt.Sprintf("%s %o", sum, h.Mode)
		f.open = func() (io.ReadCloser, error) { return os.Open(abs) }
	case tar.TypeDir:
		f.sum = fmt.Sprintf("dir %o", h.Mode)
	case tar.TypeSymlink:
		f.sum = "link " + link
	default:
		return srcFile{}, fmt.Errorf("%s: unsupported file type %v in the build context", rel, fi.Mode().Type())
	}
	return f, nil
}

// children lists everything under a directory source, in lexical order,
// skipping what .dockerignore excludes.
func (cs *contextSource) children(rel string) ([]srcFile, error) {
	root, err := securejoin.SecureJoin(cs.c.dir, rel)
	if err != nil {
		return nil, err
	}
	var out []srcFile
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		sub, _ := filepath.Rel(root, p)
		r := path.Join(rel, filepath.ToSlash(sub))
		if cs.c.excluded(r) {
			if d.IsDir() && (cs.c.pm == nil || !cs.c.pm.Exclusions()) {
				return filepath.SkipDir
			}
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		f, err := cs.file(r, p, fi)
		if err != nil {
			return err
		}
		out = append(out, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s in the build context: %w", rel, err)
	}
	return out, nil
}
