package builder

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// imageSource reads COPY --from sources out of a stage's or an image's
// merged filesystem, held in memory once read.
type imageSource struct {
	img  v1.Image
	once sync.Once
	err  error
	all  map[string]srcFile
	view *fsView
}

func (is *imageSource) load() error {
	is.once.Do(func() {
		is.all = map[string]srcFile{}
		rc := mutate.Extract(is.img)
		defer rc.Close()
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				is.err = fmt.Errorf("reading image files: %w", err)
				return
			}
			name := cleanRel(h.Name)
			if name == "" {
				continue
			}
			f := srcFile{rel: name, hdr: *h}
			f.hdr.Name = ""
			if h.Typeflag == tar.TypeRegA {
				f.hdr.Typeflag = tar.TypeReg
			}
			if f.hdr.Typeflag == tar.TypeReg {
				var buf bytes.Buffer
				if _, err := io.Copy(&buf, tr); err != nil {
					is.err = fmt.Errorf("reading image file %s: %w", name, err)
					return
				}
				f.data = buf.Bytes()
			}
			is.all[name] = f
		}
	})
	return is.err
}

// resolve follows symlinks in rel, staying inside the image's filesystem.
func (is *imageSource) resolve(rel string) (string, bool) {
	if is.view == nil {
		is.view = newFSView()
		for k, f := range is.all {
			is.view.nodes[k] = fsNode{typ: f.hdr.Typeflag, link: f.hdr.Linkname}
		}
	}
	p, _, ok := is.view.resolve(rel)
	return p, ok
}

func (is *imageSource) match(src string) ([]string, error) {
	if err := is.load(); err != nil {
		return nil, err
	}
	rel := cleanRel(src)
	if !hasMeta(rel) {
		if _, err := is.stat(rel); err != nil {
			return nil, err
		}
		return []string{rel}, nil
	}
	var out []string
	for name := range is.all {
		if ok, _ := path.Match(rel, name); ok {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no files match %s: %w", src, ErrSourceMissing)
	}
	sort.Strings(out)
	return out, nil
}

func (is *imageSource) stat(rel string) (srcFile, error) {
	if err := is.load(); err != nil {
		return srcFile{}, err
	}
	if rel == "" {
		return srcFile{rel: "", hdr: tar.Header{Typeflag: tar.TypeDir, Mode: 0o755}}, nil
	}
	real, ok := is.resolve(rel)
	f, found := is.all[real]
	if !ok || !found {
		return srcFile{}, fmt.Errorf("%s: not found: %w", rel, ErrSourceMissing)
	}
	f.rel = rel
	if real != rel && f.hdr.Typeflag == tar.TypeDir {
		f.rel = real // a linked directory is listed under its real path
	}
	return f, nil
}

func (is *imageSource) children(rel string) ([]srcFile, error) {
	if err := is.load(); err != nil {
		return nil, err
	}
	real, _ := is.resolve(rel)
	prefix := real + "/"
	if real == "" {
		prefix = ""
	}
	var out []srcFile
	for name, f := range is.all {
		if strings.HasPrefix(name, prefix) && name != real {
			f.rel = rel + "/" + strings.TrimPrefix(name, prefix)
			if rel == "" {
				f.rel = strings.TrimPrefix(name, prefix)
			}
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rel < out[j].rel })
	return out, nil
}
