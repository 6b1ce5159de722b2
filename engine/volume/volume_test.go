package volume

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCreateIsIdempotentAndListed(t *testing.T) {
	s, err := Open(t.TempDir())
	must(t, err)
	v, err := s.Create("data", map[string]string{"app": "web"})
	must(t, err)
	if fi, err := os.Stat(v.Mountpoint); err != nil || !fi.IsDir() {
		t.Fatalf("mountpoint %s: %v", v.Mountpoint, err)
	}
	must(t, os.WriteFile(filepath.Join(v.Mountpoint, "f"), []byte("keep"), 0o644))
	again, err := s.Create("data", nil)
	must(t, err)
	if again.Labels["app"] != "web" {
		t.Fatalf("second create replaced the volume: %+v", again)
	}
	if b, _ := os.ReadFile(filepath.Join(v.Mountpoint, "f")); string(b) != "keep" {
		t.Fatal("second create lost the content")
	}
	anon, err := s.Create("", nil)
	must(t, err)
	if len(anon.Name) != 64 {
		t.Fatalf("anonymous volume name %q", anon.Name)
	}
	vols, _ := s.List()
	if len(vols) != 2 {
		t.Fatalf("listed %d volumes, want 2", len(vols))
	}
	if _, err := s.Create("../x", nil); !errors.Is(err, ErrInvalidName) {
		t.Fatalf("../x: %v", err)
	}
}

func TestRemoveRefusesVolumeInUse(t *testing.T) {
	s, _ := Open(t.TempDir())
	for _, n := range []string{"busy", "idle"} {
		if _, err := s.Create(n, nil); err != nil {
			t.Fatal(err)
		}
	}
	s.InUse = func(name string) ([]string, error) {
		if name == "busy" {
			return []string{"0123456789abcdef"}, nil
		}
		return nil, nil
	}
	if err := s.Remove("busy", false); !errors.Is(err, ErrInUse) {
		t.Fatalf("remove busy: %v, want ErrInUse", err)
	}
	if _, err := s.Get("busy"); err != nil {
		t.Fatalf("refused remove still removed it: %v", err)
	}
	if err := s.Remove("nope", false); !errors.Is(err, ErrNotFound) {
		t.Fatalf("remove unknown: %v", err)
	}
	idle, _ := s.Get("idle")
	os.WriteFile(filepath.Join(idle.Mountpoint, "f"), make([]byte, 1000), 0o644)
	removed, bytes, err := s.Prune()
	must(t, err)
	if len(removed) != 1 || removed[0] != "idle" || bytes != 1000 {
		t.Fatalf("prune removed %v (%d bytes)", removed, bytes)
	}
}

func TestMarkPopulatedOnce(t *testing.T) {
	s, _ := Open(t.TempDir())
	if _, err := s.Create("v", nil); !errors.Is(err, ErrInvalidName) {
		t.Fatalf("one-character name: %v, want ErrInvalidName as docker gives", err)
	}
	_, err := s.Create("vol", nil)
	must(t, err)
	first, err := s.MarkPopulated("vol")
	must(t, err)
	second, err := s.MarkPopulated("vol")
	must(t, err)
	if !first || second {
		t.Fatalf("first %v second %v; want true then false", first, second)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
