package builder

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// fsView is what a stage's filesystem holds, read from its layers' tar
// headers: enough to tell whether a destination is a directory, to keep
// existing directories as they are, and to look up users and groups.
type fsView struct {
	nodes  map[string]fsNode // clean path without leading slash
	passwd []byte
	group  []byte
}

type fsNode struct {
	typ      byte
	mode     int64
	uid, gid int
	link     string
}

func newFSView() *fsView { return &fsView{nodes: map[string]fsNode{}} }

// view returns the stage's filesystem view, reading only the layers it has
// not read yet.
func (s *stageState) view() (*fsView, error) {
	if s.fsv == nil {
		s.fsv = newFSView()
		layers, err := s.base.Layers()
		if err != nil {
			return nil, fmt.Errorf("reading base layers: %w", err)
		}
		for _, l := range layers {
			if err := s.fsv.applyLayer(l); err != nil {
				return nil, err
			}
		}
	}
	for ; s.viewLayers < len(s.layers); s.viewLayers++ {
		if err := s.fsv.applyLayer(s.layers[s.viewLayers]); err != nil {
			return nil, err
		}
	}
	return s.fsv, nil
}

func (v *fsView) applyLayer(l v1.Layer) error {
	rc, err := l.Uncompressed()
	if err != nil {
		return fmt.Errorf("reading layer: %w", err)
	}
	defer rc.Close()
	return v.apply(rc)
}

// apply reads one layer's tar stream, honouring whiteouts.
func (v *fsView) apply(r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading layer: %w", err)
		}
		name := cleanRel(h.Name)
		if name == "" {
			continue
		}
		dir, base := path.Split(name)
		dir = strings.TrimSuffix(dir, "/")
		if base == ".wh..wh..opq" {
			v.removeChildren(dir)
			continue
		}
		if strings.HasPrefix(base, ".wh.") {
			target := path.Join(dir, strings.TrimPrefix(base, ".wh."))
			delete(v.nodes, target)
			v.removeChildren(target)
			continue
		}
		if old, ok := v.nodes[name]; ok && old.typ == tar.TypeDir && h.Typeflag != tar.TypeDir {
			v.removeChildren(name)
		}
		n := fsNode{typ: h.Typeflag, mode: h.Mode, uid: h.Uid, gid: h.Gid, link: h.Linkname}
		if n.typ == tar.TypeRegA {
			n.typ = tar.TypeReg
		}
		v.nodes[name] = n
		if h.Typeflag == tar.TypeReg && (name == "etc/passwd" || name == "etc/group") && h.Size < 1<<22 {
			data, err := io.ReadAll(tr)
			if err != nil {
				return fmt.Errorf("reading %s: %w", name, err)
			}
			if name == "etc/passwd" {
				v.passwd = data
			} else {
				v.group = data
			}
		}
	}
}

func (v *fsView) removeChildren(dir string) {
	prefix := dir + "/"
	if dir == "" {
		prefix = ""
	}
	for k := range v.nodes {
		if strings.HasPrefix(k, prefix) && k != dir {
			delete(v.nodes, k)
		}
	}
}

// resolve follows symlinks in p (a clean relative path) within the rootfs,
// returning the path it names and its node, if it exists.
func (v *fsView) resolve(p string) (string, fsNode, bool) {
	parts := strings.Split(p, "/")
	cur := ""
	for hops := 0; len(parts) > 0 && hops < 64; {
		part := parts[0]
		parts = parts[1:]
		if part == "" || part == "." {
			continue
		}
		next := path.Join(cur, part)
		n, ok := v.nodes[next]
		if !ok {
			return path.Join(append([]string{next}, parts...)...), fsNode{}, false
		}
		if n.typ == tar.TypeSymlink {
			hops++
			target := n.link
			if path.IsAbs(target) {
				cur = ""
			}
			parts = append(strings.Split(strings.TrimPrefix(target, "/"), "/"), parts...)
			continue
		}
		cur = next
	}
	n, ok := v.nodes[cur]
	return cur, n, ok || cur == ""
}

// isDir reports whether p exists and is a directory, following symlinks.
func (v *fsView) isDir(p string) bool {
	if p == "" {
		return true
	}
	_, n, ok := v.resolve(p)
	return ok && (n.typ == tar.TypeDir || n.typ == 0)
}

// cleanRel cleans a tar or rootfs path to a relative path without "..",
// leading "/" or "./".
func cleanRel(p string) string {
	p = path.Clean("/" + p)
	return strings.TrimPrefix(p, "/")
}
