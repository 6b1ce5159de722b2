package engineview

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/atomicfile"
	"github.com/berth-dev/berth/engine/events"
	"github.com/berth-dev/berth/layers"
	"github.com/berth-dev/berth/tui/data"
)

// Commit makes an image of the container's changes, as `berth commit`
// does; the engine records the commit event.
func (b *Backend) Commit(ctx context.Context, id string, spec data.CommitSpec) (string, error) {
	h, err := b.e.Commit(ctx, id, spec.Ref, engine.CommitOptions{Message: spec.Message, Author: spec.Author})
	if err != nil {
		return "", err
	}
	return h.String(), nil
}

// Push uploads the image to the registry ref names, as `berth push` does.
// An image pushed under a name it does not have is given that name first,
// as `berth tag` then `berth push` would.
func (b *Backend) Push(ctx context.Context, imageID, ref string) (string, error) {
	same, err := b.sameImage(ctx, imageID, ref)
	if err != nil {
		return "", err
	}
	if !same {
		if err := b.Tag(ctx, imageID, ref); err != nil {
			return "", err
		}
	}
	d, err := b.store.Push(ctx, ref, layers.RemoteOptions{})
	if err != nil {
		return "", err
	}
	b.e.Events.Append(events.Event{Type: events.TypeImage, Action: "push", ID: d.String(), Attributes: map[string]string{"name": ref}})
	return d.String(), nil
}

// sameImage reports whether ref names the image imageID already.
func (b *Backend) sameImage(ctx context.Context, imageID, ref string) (bool, error) {
	want, err := b.store.Image(ctx, imageID)
	if err != nil {
		return false, err
	}
	named, err := b.store.Image(ctx, ref)
	if err != nil {
		return false, nil // no image has the name yet
	}
	a, err1 := want.ConfigName()
	c, err2 := named.ConfigName()
	return err1 == nil && err2 == nil && a == c, nil
}

// Save writes the image to an archive file, as `berth save -o` does: the
// file appears whole, or not at all when saving fails. A path starting
// with ~/ is in the user's home.
func (b *Backend) Save(ctx context.Context, ref string, spec data.SaveSpec) (int64, error) {
	if spec.Format != layers.FormatDockerArchive && spec.Format != layers.FormatOCIArchive {
		return 0, fmt.Errorf("unknown format %q: %s or %s", spec.Format, layers.FormatDockerArchive, layers.FormatOCIArchive)
	}
	path := spec.Path
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, rest)
		}
	}
	var n int64
	var saveErr error
	err := atomicfile.WriteWith(path, 0o644, func(w io.Writer) error {
		cw := &counter{w: w}
		saveErr = b.store.Save(ctx, cw, spec.Format, ref)
		n = cw.n
		return saveErr
	})
	if saveErr != nil {
		return 0, saveErr
	}
	if err != nil {
		return 0, fmt.Errorf("saving to %s: %w", spec.Path, err)
	}
	return n, nil
}

// counter counts what passes through to w.
type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
