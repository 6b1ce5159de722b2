// Package atomicfile replaces files so that readers see the old content or the
// new, never a mix, even when the writer crashes half way.
package atomicfile

import (
	"io"
	"os"
	"path/filepath"
)

// WriteFile writes data to a temporary file beside path, syncs it, renames it
// over path and syncs the directory.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return WriteWith(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteWith is WriteFile for content that write streams: path appears
// whole, or not at all when write fails.
func WriteWith(path string, perm os.FileMode, write func(io.Writer) error) error {
	return replace(path, perm, write, true)
}

// Replace is WriteFile without the syncs: readers, and a writer killed at
// any point, still see the old content or the new, but a power loss may
// leave the file empty. It is for state that a power loss makes moot.
func Replace(path string, data []byte, perm os.FileMode) error {
	return replace(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}, false)
}

// replace writes a temporary file beside path with write, and renames it
// over path; with sync, the file and then the directory are synced.
func replace(path string, perm os.FileMode, write func(io.Writer) error, sync bool) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if sync {
		if err := tmp.Sync(); err != nil {
			tmp.Close()
			return err
		}
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if sync {
		if d, err := os.Open(filepath.Dir(path)); err == nil {
			d.Sync()
			d.Close()
		}
	}
	return nil
}
