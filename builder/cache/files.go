package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"syscall"
)

// fileHash is a remembered content hash, valid while the file's identity
// (size, mtime, ctime, inode) is unchanged.
type fileHash struct {
	Size  int64  `json:"s"`
	Mtime int64  `json:"m"`
	Ctime int64  `json:"c"`
	Ino   uint64 `json:"i"`
	Hash  string `json:"h"`
}

// HashFile returns the hex SHA-256 of a regular file's content, read again
// only when its size, mtime, ctime or inode changed since it was last hashed.
func (c *Cache) HashFile(path string, fi os.FileInfo) (string, error) {
	id := fileHash{Size: fi.Size(), Mtime: fi.ModTime().UnixNano()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		id.Ino = st.Ino
		id.Ctime = st.Ctim.Nano()
	}
	c.mu.Lock()
	old, ok := c.files[path]
	c.mu.Unlock()
	if ok && old.Size == id.Size && old.Mtime == id.Mtime && old.Ctime == id.Ctime && old.Ino == id.Ino {
		return old.Hash, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hashing %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hashing %s: %w", path, err)
	}
	id.Hash = hex.EncodeToString(h.Sum(nil))
	c.mu.Lock()
	c.files[path] = id
	c.filesDirty = true
	c.mu.Unlock()
	return id.Hash, nil
}
