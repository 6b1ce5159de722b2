package engine

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"

	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/engine/supervisor"
	"github.com/berth-dev/berth/layers/archive"
	"github.com/berth-dev/berth/layers/snapshot"
)

// CopyFrom writes the file or directory at src in the container's root
// filesystem to w as a tar stream whose entries start with src's base name.
// Paths are resolved inside the rootfs (an os.Root), so a link in the
// container cannot lead the copy to the host's files (CVE-2018-15664).
func (e *Engine) CopyFrom(ctx context.Context, ref, src string, w io.Writer) error {
	return e.withRootfs(ctx, ref, func(rootfs string) error {
		root, err := os.OpenRoot(rootfs)
		if err != nil {
			return err
		}
		defer root.Close()
		return TarPath(ctx, w, root, strings.TrimPrefix(path.Clean("/"+src), "/"))
	})
}

// CopyTo unpacks the tar stream r into the directory dst in the container's
// root filesystem. A running container is paused meanwhile, so nothing in it
// can swap a link under the copy.
func (e *Engine) CopyTo(ctx context.Context, ref, dst string, r io.Reader, keepOwners bool) error {
	return e.withRootfs(ctx, ref, func(rootfs string) error {
		dir, err := securejoin.SecureJoin(rootfs, dst)
		if err != nil {
			return err
		}
		fi, err := os.Lstat(dir)
		if err != nil {
			return fmt.Errorf("copying into %s: %w", dst, err)
		}
		if !fi.IsDir() {
			return fmt.Errorf("copying into %s: not a directory", dst)
		}
		_, err = archive.Unpack(ctx, r, dir, archive.Options{NoChown: !keepOwners})
		return err
	})
}

// CopyPathTo copies the host path src into the container at dst with
// docker cp's rules: into dst when it is a directory; as dst when dst is a
// file (a file over a file) or does not exist yet but its parent does. A
// dst ending in "/" must be a directory.
func (e *Engine) CopyPathTo(ctx context.Context, ref, src, dst string, keepOwners bool) error {
	abs, err := filepath.Abs(src)
	if err != nil {
		return err
	}
	srcInfo, err := os.Lstat(abs)
	if err != nil {
		return fmt.Errorf("copying %s: %w", src, errNoSuchPath(err))
	}
	host, err := os.OpenRoot(filepath.Dir(abs))
	if err != nil {
		return err
	}
	defer host.Close()
	return e.withRootfs(ctx, ref, func(rootfs string) error {
		target, err := securejoin.SecureJoin(rootfs, dst)
		if err != nil {
			return err
		}
		into, as := target, filepath.Base(abs)
		fi, err := os.Lstat(target)
		switch {
		case err == nil && fi.IsDir():
		case err == nil && srcInfo.IsDir():
			return fmt.Errorf("copying %s into %s: cannot copy a directory over a file", src, dst)
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("copying into %s: %w", dst, err)
		case strings.HasSuffix(dst, "/"):
			return fmt.Errorf("copying into %s: no such directory", dst)
		default:
			into, as = filepath.Dir(target), filepath.Base(target)
			if pi, err := os.Stat(into); err != nil || !pi.IsDir() {
				return fmt.Errorf("copying into %s: %s is not a directory", dst, path.Dir(path.Clean("/"+dst)))
			}
		}
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(TarPathAs(ctx, pw, host, filepath.Base(abs), as)) }()
		_, err = archive.Unpack(ctx, pr, into, archive.Options{NoChown: !keepOwners})
		pr.CloseWithError(err)
		return err
	})
}

// withRootfs calls fn with the container's root filesystem mounted: where
// its supervisor mounted it while it runs (the container paused meanwhile),
// or on a mount of its own that is undone afterwards.
func (e *Engine) withRootfs(ctx context.Context, ref string, fn func(rootfs string) error) error {
	return e.withRootfsFrom(ctx, ref, e.mountedRootfs, fn)
}

// withRootfsFrom is withRootfs with live choosing the view of a running
// container's root.
func (e *Engine) withRootfsFrom(ctx context.Context, ref string, live func(*container.Record) (string, bool), fn func(rootfs string) error) error {
	rec, err := e.Containers.Get(ref)
	if err != nil {
		return err
	}
	if rootfs, ok := live(rec); ok {
		if rec.State.Status == container.Running {
			if err := e.Pause(ctx, rec.ID); err == nil {
				defer e.Unpause(context.WithoutCancel(ctx), rec.ID)
			}
		}
		return fn(rootfs)
	}
	mnt, err := os.MkdirTemp(e.Containers.Dir(rec.ID), ".mnt-")
	if err != nil {
		return err
	}
	defer os.Remove(mnt)
	if err := e.Snapshots.Mount(ctx, rec.ID, mnt); err != nil {
		return fmt.Errorf("mounting the root filesystem of %s: %w", rec.Name, err)
	}
	defer snapshot.UnmountAll(mnt)
	return fn(mnt)
}

// Export writes the container's root filesystem to w as a tar stream, as
// docker export does: the image's files with the container's changes, but
// not its volumes, bind mounts or the kernel's filesystems. A running
// container is read where its supervisor mounted the snapshot, outside the
// container's own mount namespace, and paused meanwhile.
func (e *Engine) Export(ctx context.Context, ref string, w io.Writer) error {
	snapshotRoot := func(rec *container.Record) (string, bool) {
		if _, alive := e.mountedRootfs(rec); !alive || rec.Rootfs == "" {
			return "", false
		}
		return rec.Rootfs, true
	}
	return e.withRootfsFrom(ctx, ref, snapshotRoot, func(rootfs string) error {
		root, err := os.OpenRoot(rootfs)
		if err != nil {
			return err
		}
		defer root.Close()
		return TarPath(ctx, w, root, ".")
	})
}

// mountedRootfs is the running container's root as its own processes see
// it: /proc/PID/root of its init, with its volumes, bind mounts and the
// hostname and hosts files in place. A second mount of the snapshot beside
// the supervisor's would see none of those (and overlayfs forbids sharing an
// upper directory). The pid is checked against its recorded start time, so a
// reused pid is never taken for the container.
func (e *Engine) mountedRootfs(rec *container.Record) (string, bool) {
	if !isRunning(rec.State.Status) || rec.State.Pid <= 0 {
		return "", false
	}
	if start, err := supervisor.ProcStartTime(rec.State.Pid); err != nil || start != rec.State.PidStart {
		return "", false
	}
	return fmt.Sprintf("/proc/%d/root", rec.State.Pid), true
}

// TarPath writes name (a clean path relative to root; "" or "." for root
// itself) and, for a directory, everything below it, as a tar stream whose
// entries start with name's base. Links are written as links, never followed.
func TarPath(ctx context.Context, w io.Writer, root *os.Root, name string) error {
	as := path.Base(name)
	if name == "" || name == "." {
		as = "."
	}
	return TarPathAs(ctx, w, root, name, as)
}

// TarPathAs is TarPath with the entries starting with as instead.
func TarPathAs(ctx context.Context, w io.Writer, root *os.Root, name, as string) error {
	if name == "" {
		name = "."
	}
	fi, err := root.Lstat(name)
	if err != nil {
		return fmt.Errorf("%s: %w", "/"+name, errNoSuchPath(err))
	}
	tw := tar.NewWriter(w)
	prefix := as
	add := func(rel string, fi fs.FileInfo) error {
		full := path.Join(name, rel)
		link := ""
		if fi.Mode()&fs.ModeSymlink != 0 {
			if link, err = root.Readlink(full); err != nil {
				return err
			}
		}
		h, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return err
		}
		h.Name = path.Join(prefix, rel)
		if fi.IsDir() {
			h.Name += "/"
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			h.Uid, h.Gid = int(st.Uid), int(st.Gid)
		}
		h.Uname, h.Gname, h.Format = "", "", tar.FormatPAX
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			return nil
		}
		f, err := root.OpenFile(full, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, io.LimitReader(f, h.Size))
		return err
	}
	if !fi.IsDir() {
		if err := add("", fi); err != nil {
			return err
		}
		return tw.Close()
	}
	sub, err := root.OpenRoot(name)
	if err != nil {
		return err
	}
	defer sub.Close()
	err = fs.WalkDir(sub.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		info, err := sub.Lstat(p)
		if err != nil {
			return err
		}
		if p == "." {
			p = ""
		}
		return add(p, info)
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

func errNoSuchPath(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return errors.New("no such file or directory")
	}
	return err
}
