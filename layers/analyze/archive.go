package analyze

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// DockerArchive is a docker-save tarball opened for analysis without a
// store: its manifest and config are read, and each layer is a section of
// the file, so that a plain layer tar is read by seeking past file data.
//
// Diff IDs come from the archive's config and are not verified (that would
// mean hashing every byte); they key the index cache, so a forged archive
// can at worst mislabel its own analysis.
type DockerArchive struct {
	f      *os.File
	config *v1.ConfigFile
	layers []Layer
}

type archiveMember struct {
	off, size int64
	link      string
}

// OpenDockerArchive opens the docker archive at file. When the archive holds
// several images, the first of its manifest is used.
func OpenDockerArchive(file string) (*DockerArchive, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("opening docker archive: %w", err)
	}
	a, err := readDockerArchive(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("opening docker archive %s: %w", file, err)
	}
	return a, nil
}

func readDockerArchive(f *os.File) (*DockerArchive, error) {
	members := map[string]archiveMember{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadArchive, err)
		}
		off, err := f.Seek(0, io.SeekCurrent)
		if err != nil {
			return nil, err
		}
		name := path.Clean(h.Name)
		switch h.Typeflag {
		case tar.TypeReg:
			members[name] = archiveMember{off: off, size: h.Size}
		case tar.TypeSymlink:
			members[name] = archiveMember{link: path.Join(path.Dir(name), h.Linkname)}
		case tar.TypeLink:
			members[name] = archiveMember{link: path.Clean(h.Linkname)}
		}
	}
	resolve := func(name string) (archiveMember, error) {
		name = path.Clean(name)
		for range 8 {
			m, ok := members[name]
			if !ok {
				return m, fmt.Errorf("%w: no %s in the archive", ErrBadArchive, name)
			}
			if m.link == "" {
				return m, nil
			}
			name = m.link
		}
		return archiveMember{}, fmt.Errorf("%w: %s: too many links", ErrBadArchive, name)
	}
	read := func(name string, limit int64) ([]byte, error) {
		m, err := resolve(name)
		if err != nil {
			return nil, err
		}
		if m.size > limit {
			return nil, fmt.Errorf("%w: %s is too large", ErrBadArchive, name)
		}
		b := make([]byte, m.size)
		if _, err := f.ReadAt(b, m.off); err != nil {
			return nil, fmt.Errorf("%w: reading %s: %v", ErrBadArchive, name, err)
		}
		return b, nil
	}
	mb, err := read("manifest.json", 16<<20)
	if err != nil {
		return nil, err
	}
	var manifest []struct {
		Config string
		Layers []string
	}
	if err := json.Unmarshal(mb, &manifest); err != nil || len(manifest) == 0 {
		return nil, fmt.Errorf("%w: unreadable manifest.json", ErrBadArchive)
	}
	cb, err := read(manifest[0].Config, 64<<20)
	if err != nil {
		return nil, err
	}
	cfg, err := v1.ParseConfigFile(bytesReader(cb))
	if err != nil {
		return nil, fmt.Errorf("%w: config %s: %v", ErrBadArchive, manifest[0].Config, err)
	}
	if len(cfg.RootFS.DiffIDs) != len(manifest[0].Layers) {
		return nil, fmt.Errorf("%w: %d layers but %d diff IDs", ErrBadArchive, len(manifest[0].Layers), len(cfg.RootFS.DiffIDs))
	}
	a := &DockerArchive{f: f, config: cfg}
	for i, name := range manifest[0].Layers {
		m, err := resolve(name)
		if err != nil {
			return nil, err
		}
		a.layers = append(a.layers, &archiveLayer{f: f, m: m, diffID: cfg.RootFS.DiffIDs[i]})
	}
	return a, nil
}

// ConfigFile is the image's config.
func (a *DockerArchive) ConfigFile() *v1.ConfigFile { return a.config }

// Layers are the image's layers, bottom first.
func (a *DockerArchive) Layers() []Layer { return a.layers }

// Close closes the archive file.
func (a *DockerArchive) Close() error { return a.f.Close() }

// archiveLayer is one layer file inside a docker archive.
type archiveLayer struct {
	f      *os.File
	m      archiveMember
	diffID v1.Hash
}

var (
	_ Layer    = (*archiveLayer)(nil)
	_ rawLayer = (*archiveLayer)(nil)
)

func (l *archiveLayer) DiffID() (v1.Hash, error) { return l.diffID, nil }

// Compressed returns the layer file as stored, which may be a plain tar.
func (l *archiveLayer) Compressed() (io.ReadCloser, error) {
	return sectionCloser{io.NewSectionReader(l.f, l.m.off, l.m.size)}, nil
}

type sectionCloser struct{ *io.SectionReader }

func (sectionCloser) Close() error { return nil }
