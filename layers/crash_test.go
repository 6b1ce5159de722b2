package layers

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// stuckLayer is a layer whose content stops half way: its reader says so on
// stdout and then waits for ever, so that a test can kill the writer there.
type stuckLayer struct{}

var _ v1.Layer = stuckLayer{}

func (stuckLayer) Digest() (v1.Hash, error) {
	return v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)}, nil
}
func (stuckLayer) DiffID() (v1.Hash, error) {
	return v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("cd", 32)}, nil
}
func (stuckLayer) Size() (int64, error)                { return 2 << 20, nil }
func (stuckLayer) MediaType() (types.MediaType, error) { return types.OCILayer, nil }
func (l stuckLayer) Uncompressed() (io.ReadCloser, error) {
	return l.Compressed()
}
func (stuckLayer) Compressed() (io.ReadCloser, error) {
	pr, pw := io.Pipe()
	go func() {
		pw.Write(make([]byte, 1<<20))
		fmt.Println("ready")
		select {}
	}()
	return pr, nil
}

// crashWorker writes an image with a stuck layer into the store at root.
func crashWorker(root string) error {
	s, err := Open(root)
	if err != nil {
		return err
	}
	img, err := mutate.AppendLayers(empty.Image, stuckLayer{})
	if err != nil {
		return err
	}
	_, err = s.Write(context.Background(), img, "halfway:latest")
	return err
}

func TestCrashMidWriteLeavesNoHalfImage(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := random.Image(1024, 1)
	if _, err := s.Write(ctx, base, "base"); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(s.dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "BERTH_LAYERS_CRASH="+root)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "ready\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("worker said %q: %v", line, err)
	}
	// A megabyte of the layer is in images/tmp; the writer dies now.
	cmd.Process.Kill()
	cmd.Wait()

	after, _ := os.ReadFile(filepath.Join(s.dir, "index.json"))
	if string(after) != string(before) {
		t.Errorf("index.json changed by a writer that died:\n%s", after)
	}
	if _, err := s.Image(ctx, "halfway"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the half-written image is visible: %v", err)
	}
	if s.hasBlob(v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)}) {
		t.Error("the half-written layer became a blob")
	}
	tmps, _ := os.ReadDir(filepath.Join(s.dir, "tmp"))
	if len(tmps) == 0 {
		t.Fatal("the killed writer left nothing in images/tmp: the test did not kill it mid-write")
	}
	// GC takes what the dead writer left; the store works as before.
	if _, err := s.GC(ctx); err != nil {
		t.Fatal(err)
	}
	if tmps, _ := os.ReadDir(filepath.Join(s.dir, "tmp")); len(tmps) != 0 {
		t.Errorf("GC left %d files in images/tmp", len(tmps))
	}
	if _, err := s.Image(ctx, "base"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(ctx, base, "again"); err != nil {
		t.Fatal(err)
	}
}
