// Package analyzetest writes layer tars and docker-save archives with
// chosen files, for tests and benchmarks of layer analysis.
package analyzetest

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// File is one tar entry. Type defaults to a regular file; the data of a
// regular file is Size bytes of a fixed pattern.
type File struct {
	Name string
	Type byte
	Size int64
	Mode int64
	Link string
}

// Dir, Reg, Symlink and Whiteout build Files.
func Dir(name string) File { return File{Name: name, Type: tar.TypeDir, Mode: 0o755} }
func Reg(name string, size int64) File {
	return File{Name: name, Type: tar.TypeReg, Size: size, Mode: 0o644}
}
func Symlink(name, target string) File {
	return File{Name: name, Type: tar.TypeSymlink, Link: target, Mode: 0o777}
}
func Whiteout(dir, name string) File { return Reg(filepath.Join(dir, ".wh."+name), 0) }
func Opaque(dir string) File         { return Reg(filepath.Join(dir, ".wh..wh..opq"), 0) }

var pattern = func() []byte {
	b := make([]byte, 1<<16)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}()

// WriteTar writes files as a tar stream.
func WriteTar(w io.Writer, files []File) error {
	return WriteTarFunc(w, func(add func(File) error) error {
		for _, f := range files {
			if err := add(f); err != nil {
				return err
			}
		}
		return nil
	})
}

// WriteTarFunc writes a tar stream of the files gen adds, so that large
// layers need not be held in memory.
func WriteTarFunc(w io.Writer, gen func(add func(File) error) error) error {
	tw := tar.NewWriter(w)
	n := 0
	add := func(f File) error {
		typ := f.Type
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: f.Name, Typeflag: typ, Mode: f.Mode, Linkname: f.Link, ModTime: time.Unix(1700000000, 0), Format: tar.FormatPAX}
		if typ == tar.TypeReg {
			h.Size = f.Size
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		for left := h.Size; left > 0; {
			off := (n * 4099) % len(pattern)
			chunk := min(left, int64(len(pattern)-off))
			if _, err := tw.Write(pattern[off : off+int(chunk)]); err != nil {
				return err
			}
			left -= chunk
		}
		n++
		return nil
	}
	if err := gen(add); err != nil {
		return err
	}
	return tw.Close()
}

// Layer is one layer of an archive: the history command and its files.
type Layer struct {
	Command string
	Files   []File
	// Gen, if set, adds the files instead of Files.
	Gen func(add func(File) error) error
}

// WriteDockerArchive writes a docker-save archive (uncompressed layers, as
// `docker save` writes them) of an image made of layers, tagged tag.
func WriteDockerArchive(path, tag string, layers []Layer) error {
	dir := filepath.Dir(path)
	type done struct {
		file   string
		diffID string
		size   int64
	}
	var made []done
	defer func() {
		for _, d := range made {
			os.Remove(d.file)
		}
	}()
	for _, l := range layers {
		f, err := os.CreateTemp(dir, ".layer-*")
		if err != nil {
			return err
		}
		h := sha256.New()
		gen := l.Gen
		if gen == nil {
			gen = func(add func(File) error) error {
				for _, f := range l.Files {
					if err := add(f); err != nil {
						return err
					}
				}
				return nil
			}
		}
		err = WriteTarFunc(io.MultiWriter(f, h), gen)
		size, _ := f.Seek(0, io.SeekCurrent)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		made = append(made, done{f.Name(), "sha256:" + hex.EncodeToString(h.Sum(nil)), size})
		if err != nil {
			return err
		}
	}
	type history struct {
		Created   string `json:"created"`
		CreatedBy string `json:"created_by"`
	}
	cfg := map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"config":       map[string]any{"Cmd": []string{"/bin/sh"}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": func() []string {
			var s []string
			for _, d := range made {
				s = append(s, d.diffID)
			}
			return s
		}()},
		"history": func() []history {
			var hs []history
			for _, l := range layers {
				hs = append(hs, history{"2024-01-01T00:00:00Z", l.Command})
			}
			return hs
		}(),
	}
	cb, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	cfgName := fmt.Sprintf("%x.json", sha256.Sum256(cb))
	var layerNames []string
	for _, d := range made {
		layerNames = append(layerNames, d.diffID[len("sha256:"):]+"/layer.tar")
	}
	mb, err := json.Marshal([]map[string]any{{"Config": cfgName, "RepoTags": []string{tag}, "Layers": layerNames}})
	if err != nil {
		return err
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer out.Close()
	tw := tar.NewWriter(out)
	put := func(name string, size int64, r io.Reader) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Size: size, Mode: 0o644, ModTime: time.Unix(1700000000, 0)}); err != nil {
			return err
		}
		_, err := io.Copy(tw, r)
		return err
	}
	for i, d := range made {
		f, err := os.Open(d.file)
		if err != nil {
			return err
		}
		err = put(layerNames[i], d.size, f)
		f.Close()
		if err != nil {
			return err
		}
	}
	if err := put(cfgName, int64(len(cb)), bytesReader(cb)); err != nil {
		return err
	}
	if err := put("manifest.json", int64(len(mb)), bytesReader(mb)); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return out.Close()
}
