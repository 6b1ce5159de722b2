package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// SyncFile is one file the dev loop brings into a container: the host file
// Src copied to Dst (an absolute path in the container), or, with Remove,
// Dst deleted.
type SyncFile struct {
	Src, Dst string
	Remove   bool
}

// SyncFiles writes files into the container's root filesystem while it runs.
// Each file is written beside its destination and renamed over it, so the
// application reads the old content or the new one, never half of it. Every
// path is resolved inside the rootfs (an os.Root), so links in the container
// cannot lead a write out to the host, and the container is not paused.
func (e *Engine) SyncFiles(ctx context.Context, ref string, files []SyncFile) error {
	rec, err := e.Containers.Get(ref)
	if err != nil {
		return err
	}
	write := func(rootfs string) error {
		root, err := os.OpenRoot(rootfs)
		if err != nil {
			return err
		}
		defer root.Close()
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := syncOne(root, f); err != nil {
				return err
			}
		}
		return nil
	}
	if rootfs, ok := e.mountedRootfs(rec); ok {
		return write(rootfs)
	}
	return e.withRootfs(ctx, rec.ID, write)
}

func syncOne(root *os.Root, f SyncFile) error {
	if !path.IsAbs(f.Dst) {
		return fmt.Errorf("sync target %q: not an absolute path in the container", f.Dst)
	}
	dst := strings.TrimPrefix(path.Clean(f.Dst), "/")
	if dst == "" {
		return fmt.Errorf("sync target %q: the container's root itself", f.Dst)
	}
	if f.Remove {
		if err := root.RemoveAll(dst); err != nil {
			return fmt.Errorf("removing %s in the container: %w", f.Dst, err)
		}
		return nil
	}
	src, err := os.Open(f.Src)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) { // removed since the change was seen
			return root.RemoveAll(dst)
		}
		return err
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return root.MkdirAll(dst, fi.Mode().Perm())
	}
	if dir := path.Dir(dst); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("syncing %s: %w", f.Dst, err)
		}
	}
	tmp := path.Join(path.Dir(dst), ".berth-sync-"+path.Base(dst))
	out, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, fi.Mode().Perm())
	if err != nil {
		return fmt.Errorf("syncing %s: %w", f.Dst, err)
	}
	_, err = io.Copy(out, src)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = root.Chmod(tmp, fi.Mode().Perm())
	}
	if err == nil {
		err = root.Rename(tmp, dst)
	}
	if err != nil {
		root.Remove(tmp)
		return fmt.Errorf("syncing %s: %w", f.Dst, err)
	}
	return nil
}
