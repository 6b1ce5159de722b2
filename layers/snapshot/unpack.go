package snapshot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"
)

// ChainIDs computes the OCI chain IDs of a list of diff IDs: the first is the
// first diff ID, each next one the digest of "previous chain ID + space +
// diff ID".
func ChainIDs(diffIDs []v1.Hash) []v1.Hash {
	out := make([]v1.Hash, len(diffIDs))
	for i, d := range diffIDs {
		if i == 0 {
			out[i] = d
			continue
		}
		sum := sha256.Sum256([]byte(out[i-1].String() + " " + d.String()))
		out[i] = v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", sum)}
	}
	return out
}

// Unpack makes sure every layer of an image is a committed snapshot named by
// its chain ID, unpacking those that are missing, and returns the top chain
// ID (the parent for a container's snapshot). Each layer is unpacked once
// even when several berth processes unpack images sharing it at once.
func Unpack(ctx context.Context, sn Snapshotter, lockDir string, layers []v1.Layer) (string, error) {
	var diffIDs []v1.Hash
	for _, l := range layers {
		d, err := l.DiffID()
		if err != nil {
			return "", fmt.Errorf("reading layer: %w", err)
		}
		diffIDs = append(diffIDs, d)
	}
	chain := ChainIDs(diffIDs)
	parent := ""
	for i, l := range layers {
		name := chain[i].String()
		if err := unpackOne(ctx, sn, lockDir, name, parent, diffIDs[i], l); err != nil {
			return "", fmt.Errorf("unpacking layer %s: %w", diffIDs[i], err)
		}
		parent = name
	}
	return parent, nil
}

func unpackOne(ctx context.Context, sn Snapshotter, lockDir, name, parent string, diffID v1.Hash, l v1.Layer) error {
	if _, err := sn.Stat(ctx, name); err == nil {
		return nil
	}
	// One unpacker per chain ID at a time, across processes.
	if err := os.MkdirAll(lockDir, 0o700); err != nil {
		return err
	}
	lf, err := os.OpenFile(filepath.Join(lockDir, name[len("sha256:"):]+".lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer lf.Close()
	if err := unix.Flock(int(lf.Fd()), unix.LOCK_EX); err != nil {
		return err
	}
	if _, err := sn.Stat(ctx, name); err == nil {
		return nil // another process unpacked it while we waited
	}
	key := "unpack-" + name
	sn.Remove(ctx, key) // what an interrupted unpack left
	if _, err := sn.Prepare(ctx, key, parent); err != nil {
		return err
	}
	rc, err := l.Uncompressed()
	if err != nil {
		sn.Remove(ctx, key)
		return err
	}
	// The diff ID the image claims is checked against what is unpacked:
	// the snapshot is kept under a chain ID made of diff IDs, so a layer
	// whose content differs from its claim must never be committed under
	// it, where another image's layer would be looked for.
	h := sha256.New()
	tee := io.TeeReader(rc, h)
	err = sn.Apply(ctx, key, tee)
	if err == nil {
		_, err = io.Copy(io.Discard, tee) // the tar's padding after its end
	}
	rc.Close()
	if err == nil && diffID.Algorithm == "sha256" && hex.EncodeToString(h.Sum(nil)) != diffID.Hex {
		err = fmt.Errorf("the layer's content does not match its diff ID %s", diffID)
	}
	if err == nil {
		// The layer's data reaches the disk before the commit's rename makes
		// it visible: a crash must not leave a committed layer with holes.
		err = syncfs(lockDir)
	}
	if err == nil {
		err = sn.Commit(ctx, name, key)
	}
	if err != nil {
		sn.Remove(ctx, key)
		if errors.Is(err, ErrExists) {
			return nil
		}
		return err
	}
	return nil
}

// syncfs flushes the filesystem that holds dir: one system call for all the
// files an unpack wrote, instead of one fsync each.
func syncfs(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return fmt.Errorf("syncing unpacked layer: %w", err)
	}
	return nil
}
