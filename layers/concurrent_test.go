package layers

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// TestMain lets the test binary act as a second berth process: with
// BERTH_LAYERS_WORKER set it writes and tags images in the store it names.
func TestMain(m *testing.M) {
	if root := os.Getenv("BERTH_LAYERS_CRASH"); root != "" {
		fmt.Fprintln(os.Stderr, crashWorker(root))
		os.Exit(1)
	}
	if root := os.Getenv("BERTH_LAYERS_WORKER"); root != "" {
		if err := churn(root, os.Getenv("BERTH_LAYERS_WORKER_ID"), 8); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// churn writes n random images, each under its own name and under a shared
// one, and removes every other, so that writers race on index.json and GC.
func churn(root, worker string, n int) error {
	ctx := context.Background()
	s, err := Open(root)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		img, err := random.Image(2048, 2)
		if err != nil {
			return err
		}
		own := fmt.Sprintf("w%s/img:%d", worker, i)
		if _, err := s.Write(ctx, img, own, "shared:latest"); err != nil {
			return fmt.Errorf("worker %s write %d: %w", worker, i, err)
		}
		if err := s.Tag(ctx, own, fmt.Sprintf("w%s/tagged:%d", worker, i)); err != nil {
			return fmt.Errorf("worker %s tag %d: %w", worker, i, err)
		}
		if i%2 == 1 {
			if _, err := s.Remove(ctx, own, false); err != nil {
				return fmt.Errorf("worker %s remove %d: %w", worker, i, err)
			}
			if _, err := s.Remove(ctx, fmt.Sprintf("w%s/tagged:%d", worker, i), true); err != nil {
				return fmt.Errorf("worker %s remove %d: %w", worker, i, err)
			}
		}
		if i == n/2 {
			if _, err := s.GC(ctx); err != nil {
				return fmt.Errorf("worker %s gc: %w", worker, err)
			}
		}
	}
	return nil
}

func TestConcurrentWritersGoroutinesAndProcesses(t *testing.T) {
	root := t.TempDir()
	if _, err := Open(root); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for p := 0; p < 3; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "BERTH_LAYERS_WORKER="+root, "BERTH_LAYERS_WORKER_ID=p"+strconv.Itoa(p))
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("process %d: %v: %s", p, err, out)
			}
		}()
	}
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := churn(root, "g"+strconv.Itoa(g), 8); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	ctx := context.Background()
	s, _ := Open(root)
	list, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := 0
	for _, im := range list {
		names += len(im.Names)
		img, err := s.Image(ctx, im.Digest.String())
		if err != nil {
			t.Fatal(err)
		}
		if err := validate.Image(img); err != nil {
			t.Errorf("image %s is damaged: %v", im.ID, err)
		}
	}
	// Each of 6 workers keeps 4 images under 2 names each, plus "shared".
	if want := 6*4*2 + 1; names != want {
		t.Errorf("%d names in the store, want %d", names, want)
	}
	if _, err := s.Image(ctx, "shared"); err != nil {
		t.Error(err)
	}
	// After GC nothing is left unreferenced, and nothing referenced is missing.
	if _, err := s.GC(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := s.GC(ctx); err != nil || n != 0 {
		t.Errorf("second GC reclaimed %d: %v", n, err)
	}
}
