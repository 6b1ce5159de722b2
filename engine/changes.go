package engine

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/berth-dev/berth/engine/events"
	"github.com/berth-dev/berth/layers"
	"github.com/berth-dev/berth/layers/analyze"
)

// Change is one path a container changed against its image, as `docker
// diff` lists it: A(dded), C(hanged) or D(eleted).
type Change struct {
	Kind byte
	Path string
}

// Diff lists what the container changed in its root filesystem.
func (e *Engine) Diff(ctx context.Context, ref string) ([]Change, error) {
	rec, err := e.Containers.Get(ref)
	if err != nil {
		return nil, err
	}
	img, err := e.Images.Image(ctx, rec.ImageID)
	if err != nil {
		return nil, fmt.Errorf("reading the image of %s: %w", rec.Name, err)
	}
	res, err := analyze.New(e.Root).Image(ctx, img)
	if err != nil {
		return nil, fmt.Errorf("indexing the image of %s: %w", rec.Name, err)
	}
	var tree *analyze.Tree
	if n := len(res.Layers); n > 0 {
		tree = res.Tree(n - 1)
	}
	inImage := func(p string) bool { return tree != nil && tree.Find(p) >= 0 }
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(e.Snapshots.Diff(ctx, rec.ID, pw)) }()
	defer pr.Close()
	var out []Change
	tr := tar.NewReader(pr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the changes of %s: %w", rec.Name, err)
		}
		name := strings.TrimSuffix(h.Name, "/")
		base := path.Base(name)
		switch {
		case base == ".wh..wh..opq":
			continue
		case strings.HasPrefix(base, ".wh."):
			out = append(out, Change{'D', "/" + path.Join(path.Dir(name), strings.TrimPrefix(base, ".wh."))})
		case inImage(name):
			out = append(out, Change{'C', "/" + name})
		default:
			out = append(out, Change{'A', "/" + name})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// CommitOptions are `berth commit`'s flags.
type CommitOptions struct {
	Changes []string // Dockerfile instructions applied to the config (--change)
	Message string
	Author  string
}

// ImageWriter is the part of the image store that writes images.
type ImageWriter interface {
	Write(ctx context.Context, img v1.Image, names ...string) (v1.Hash, error)
}

// Commit makes a new image from the container's changes on top of its
// image, named by ref (may be empty for an unnamed image), and returns its ID.
func (e *Engine) Commit(ctx context.Context, container, ref string, o CommitOptions) (v1.Hash, error) {
	w, ok := e.Images.(ImageWriter)
	if !ok {
		return v1.Hash{}, errors.New("the image store cannot write images")
	}
	rec, err := e.Containers.Get(container)
	if err != nil {
		return v1.Hash{}, err
	}
	img, err := e.Images.Image(ctx, rec.ImageID)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("reading the image of %s: %w", rec.Name, err)
	}
	tmp, err := os.CreateTemp(e.Root, ".commit-*.tar")
	if err != nil {
		return v1.Hash{}, err
	}
	defer os.Remove(tmp.Name())
	if err := e.Snapshots.Diff(ctx, rec.ID, tmp); err != nil {
		tmp.Close()
		return v1.Hash{}, fmt.Errorf("committing %s: %w", rec.Name, err)
	}
	tmp.Close()
	layer, err := tarball.LayerFromFile(tmp.Name())
	if err != nil {
		return v1.Hash{}, err
	}
	created := time.Now().UTC()
	newImg, err := mutate.Append(img, mutate.Addendum{Layer: layer, History: v1.History{
		Created: v1.Time{Time: created}, CreatedBy: strings.Join(Argv(rec.Config), " "), Comment: o.Message, Author: o.Author}})
	if err != nil {
		return v1.Hash{}, err
	}
	cf, err := newImg.ConfigFile()
	if err != nil {
		return v1.Hash{}, err
	}
	cf = cf.DeepCopy()
	cf.Created = v1.Time{Time: created}
	cf.Author = o.Author
	if err := layers.ApplyChanges(&cf.Config, o.Changes); err != nil {
		return v1.Hash{}, err
	}
	if newImg, err = mutate.ConfigFile(newImg, cf); err != nil {
		return v1.Hash{}, err
	}
	var names []string
	if ref != "" {
		names = append(names, ref)
	}
	id, err := w.Write(ctx, newImg, names...)
	if err != nil {
		return v1.Hash{}, err
	}
	e.emit(events.TypeContainer, "commit", rec.ID, map[string]string{"name": rec.Name, "image": ref})
	return id, nil
}
