package builder

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/engine/atomicfile"
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
			if err := s.fsv.applyLayer(l, s.b.opts.CacheDir); err != nil {
				return nil, err
			}
		}
	}
	for ; s.viewLayers < len(s.layers); s.viewLayers++ {
		if err := s.fsv.applyLayer(s.layers[s.viewLayers], s.b.opts.CacheDir); err != nil {
			return nil, err
		}
	}
	return s.fsv, nil
}

// layerIndex is what a view needs of one layer: its tar headers in order,
// and the content of /etc/passwd and /etc/group when the layer has them.
// It is kept in the build cache by diff ID, so that a base layer is
// decompressed once, not on every build (20 ms for busybox).
type layerIndex struct {
	Entries []indexEntry      `json:"e"`
	Files   map[string][]byte `json:"f,omitempty"`
}

type indexEntry struct {
	Name string `json:"n"`
	Typ  byte   `json:"t"`
	Mode int64  `json:"m,omitempty"`
	UID  int    `json:"u,omitempty"`
	GID  int    `json:"g,omitempty"`
	Link string `json:"l,omitempty"`
}

// applyLayer applies a layer to the view, from its index in cacheDir when
// there is one, else from its tar stream (writing the index for next time).
func (v *fsView) applyLayer(l v1.Layer, cacheDir string) error {
	var file string
	if diff, err := l.DiffID(); err == nil && cacheDir != "" {
		file = filepath.Join(cacheDir, "fsview", diff.Algorithm+"-"+diff.Hex+".json")
		if b, err := os.ReadFile(file); err == nil {
			var ix layerIndex
			if json.Unmarshal(b, &ix) == nil {
				v.applyIndex(&ix)
				return nil
			}
		}
	}
	rc, err := l.Uncompressed()
	if err != nil {
		return fmt.Errorf("reading layer: %w", err)
	}
	defer rc.Close()
	ix, err := readIndex(rc)
	if err != nil {
		return err
	}
	v.applyIndex(ix)
	if file != "" {
		if b, err := json.Marshal(ix); err == nil && os.MkdirAll(filepath.Dir(file), 0o700) == nil {
			_ = atomicfile.WriteFile(file, b, 0o600)
		}
	}
	return nil
}

// apply reads one layer's tar stream into the view.
func (v *fsView) apply(r io.Reader) error {
	ix, err := readIndex(r)
	if err != nil {
		return err
	}
	v.applyIndex(ix)
	return nil
}

// readIndex reads a layer's tar headers.
func readIndex(r io.Reader) (*layerIndex, error) {
	ix := &layerIndex{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return ix, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading layer: %w", err)
		}
		name := cleanRel(h.Name)
		if name == "" {
			continue
		}
		ix.Entries = append(ix.Entries, indexEntry{Name: name, Typ: h.Typeflag, Mode: h.Mode, UID: h.Uid, GID: h.Gid, Link: h.Linkname})
		if h.Typeflag == tar.TypeReg && (name == "etc/passwd" || name == "etc/group") && h.Size < 1<<22 {
			data, err := io.ReadAll(tr)
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", name, err)
			}
			if ix.Files == nil {
				ix.Files = map[string][]byte{}
			}
			ix.Files[name] = data
		}
	}
}

// applyIndex applies one layer's entries in order, honouring whiteouts.
func (v *fsView) applyIndex(ix *layerIndex) {
	for _, e := range ix.Entries {
		name := e.Name
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
		if old, ok := v.nodes[name]; ok && old.typ == tar.TypeDir && e.Typ != tar.TypeDir {
			v.removeChildren(name)
		}
		n := fsNode{typ: e.Typ, mode: e.Mode, uid: e.UID, gid: e.GID, link: e.Link}
		if n.typ == tar.TypeRegA {
			n.typ = tar.TypeReg
		}
		v.nodes[name] = n
		if data, ok := ix.Files[name]; ok && e.Typ == tar.TypeReg {
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
