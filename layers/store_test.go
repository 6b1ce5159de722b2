package layers

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/berth-dev/berth/layers/layertest"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func importBusybox(t *testing.T, s *Store, ref string, changes ...string) v1.Hash {
	t.Helper()
	id, err := s.Import(context.Background(), bytes.NewReader(layertest.Tar(t)), ref, changes)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// snapshot records the store's files and index.json, to show that a failed
// operation left the store as it was.
func snapshot(t *testing.T, s *Store) string {
	t.Helper()
	var b strings.Builder
	filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(s.dir, p)
		if strings.HasPrefix(rel, "tmp/") {
			t.Errorf("leftover temporary file %s", rel)
		}
		b.WriteString(rel + "\n")
		return nil
	})
	idx, err := os.ReadFile(filepath.Join(s.dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	b.Write(idx)
	return b.String()
}

func TestNormalizeName(t *testing.T) {
	for in, want := range map[string]string{
		"busybox":                   "docker.io/library/busybox:latest",
		"busybox:1.36":              "docker.io/library/busybox:1.36",
		"x":                         "docker.io/library/x:latest",
		"x:1":                       "docker.io/library/x:1",
		"docker.io/library/alpine":  "docker.io/library/alpine:latest",
		"index.docker.io/me/app:v1": "docker.io/me/app:v1",
		"localhost:5000/app":        "localhost:5000/app:latest",
		"quay.io/a/b@sha256:" + strings.Repeat("ab", 32): "quay.io/a/b@sha256:" + strings.Repeat("ab", 32),
	} {
		got, err := NormalizeName(in)
		if err != nil || got != want {
			t.Errorf("NormalizeName(%q) = %q, %v; want %q", in, got, err, want)
		}
		if fam := FamiliarName(want); in == "busybox" && fam != "busybox:latest" {
			t.Errorf("FamiliarName(%q) = %q", want, fam)
		}
	}
	if _, err := NormalizeName("UPPER/case"); err == nil {
		t.Error("an upper-case repository was accepted")
	}
}

func TestImportAndLookup(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	id := importBusybox(t, s, "busybox", `CMD ["/bin/sh", "-c", "echo hi"]`, "ENV A=1 B='two words'",
		"EXPOSE 8080", "LABEL org.x=y", "USER 1000", "WORKDIR /srv", "VOLUME /data", "STOPSIGNAL SIGINT", "ENTRYPOINT /bin/env")
	for _, ref := range []string{"busybox", "busybox:latest", "docker.io/library/busybox:latest", id.String(), id.Hex[:12], id.Hex[:4]} {
		img, err := s.Image(ctx, ref)
		if err != nil {
			t.Fatalf("Image(%q): %v", ref, err)
		}
		if cn, _ := img.ConfigName(); cn != id {
			t.Fatalf("Image(%q) has ID %s, want %s", ref, cn, id)
		}
	}
	img, err := s.Image(ctx, "busybox")
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(img); err != nil {
		t.Fatalf("stored image is not valid: %v", err)
	}
	dg, _ := img.Digest()
	if _, err := s.Image(ctx, dg.String()); err != nil {
		t.Fatalf("lookup by manifest digest: %v", err)
	}
	cfg, _ := img.ConfigFile()
	c := cfg.Config
	if !slices.Equal(c.Cmd, []string{"/bin/sh", "-c", "echo hi"}) || !slices.Equal(c.Entrypoint, []string{"/bin/sh", "-c", "/bin/env"}) {
		t.Errorf("cmd %q entrypoint %q", c.Cmd, c.Entrypoint)
	}
	if !slices.Equal(c.Env, []string{"A=1", "B=two words"}) || c.User != "1000" || c.WorkingDir != "/srv" || c.StopSignal != "SIGINT" {
		t.Errorf("env %q user %q workdir %q stopsignal %q", c.Env, c.User, c.WorkingDir, c.StopSignal)
	}
	if _, ok := c.ExposedPorts["8080/tcp"]; !ok || c.Labels["org.x"] != "y" {
		t.Errorf("ports %v labels %v", c.ExposedPorts, c.Labels)
	}
	if _, ok := c.Volumes["/data"]; !ok {
		t.Errorf("volumes %v", c.Volumes)
	}
	_, err = s.Image(ctx, "nosuch")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("unknown name: %v", err)
	}
	if _, err := s.Import(ctx, bytes.NewReader(layertest.Tar(t)), "x", []string{"FROB x"}); err == nil {
		t.Error("an unknown --change was accepted")
	}
}

func TestTagListRemoveGC(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	id := importBusybox(t, s, "busybox")
	if err := s.Tag(ctx, "busybox", "localhost:5000/bb:v1"); err != nil {
		t.Fatal(err)
	}
	list, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != id || len(list[0].Names) != 2 || list[0].Layers != 1 || list[0].Dangling || list[0].Size == 0 {
		t.Fatalf("list = %+v", list)
	}
	// Deleting by ID with two names needs force.
	if _, err := s.Remove(ctx, id.Hex[:12], false); !errors.Is(err, ErrConflict) {
		t.Fatalf("remove by id with two names: %v", err)
	}
	lines, err := s.Remove(ctx, "busybox", false)
	if err != nil || !slices.Equal(lines, []string{"Untagged: busybox:latest"}) {
		t.Fatalf("untag: %q, %v", lines, err)
	}
	// A container uses it: refused without force.
	s.InUse = func(h v1.Hash) (bool, error) { return h == id, nil }
	if _, err := s.Remove(ctx, "localhost:5000/bb:v1", false); !errors.Is(err, ErrInUse) {
		t.Fatalf("remove in use: %v", err)
	}
	lines, err = s.Remove(ctx, "localhost:5000/bb:v1", true)
	if err != nil || len(lines) != 2 || lines[1] != "Deleted: "+id.String() {
		t.Fatalf("remove: %q, %v", lines, err)
	}
	ents, _ := os.ReadDir(filepath.Join(s.dir, "blobs", "sha256"))
	if len(ents) != 0 {
		t.Errorf("%d blobs left after the last image went", len(ents))
	}
	if _, err := s.Image(ctx, id.String()); !errors.Is(err, ErrNotFound) {
		t.Errorf("removed image still found: %v", err)
	}
}

func TestRetagLeavesDangling(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := random.Image(512, 1)
	ida, err := s.Write(ctx, a, "app")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(ctx, b, "app"); err != nil {
		t.Fatal(err)
	}
	list, _ := s.List(ctx)
	var dangling []v1.Hash
	for _, im := range list {
		if im.Dangling {
			dangling = append(dangling, im.ID)
		}
	}
	if len(list) != 2 || len(dangling) != 1 || dangling[0] != ida {
		t.Fatalf("after retag: %+v", list)
	}
	blobsBefore, _ := os.ReadDir(filepath.Join(s.dir, "blobs", "sha256"))
	if n, err := s.GC(ctx); err != nil || n != 0 {
		t.Fatalf("GC of a store with no garbage reclaimed %d: %v", n, err)
	}
	lines, n, err := s.Prune(ctx, false)
	if err != nil || len(lines) != 1 || lines[0] != "Deleted: "+ida.String() {
		t.Fatalf("prune: %q %v", lines, err)
	}
	blobsAfter, _ := os.ReadDir(filepath.Join(s.dir, "blobs", "sha256"))
	if len(blobsAfter) != len(blobsBefore)-4 { // two layers, config, manifest
		t.Errorf("prune left %d of %d blobs (reclaimed %d)", len(blobsAfter), len(blobsBefore), n)
	}
	if _, err := s.Image(ctx, "app"); err != nil {
		t.Errorf("the named image went too: %v", err)
	}
}

func TestHistoryAndInspect(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	id := importBusybox(t, s, "busybox:1", "CMD sh")
	h, err := s.History(ctx, "busybox:1")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 1 || h[0].ID != id.String() || h[0].Size == 0 || h[0].CreatedBy != "berth import" {
		t.Fatalf("history = %+v", h)
	}
	in, err := s.Inspect(ctx, id.Hex[:6])
	if err != nil {
		t.Fatal(err)
	}
	if in.Id != id.String() || !slices.Equal(in.RepoTags, []string{"busybox:1"}) || len(in.RootFS.Layers) != 1 || in.Os != "linux" {
		t.Fatalf("inspect = %+v", in)
	}
}

func TestBadInputLeavesStoreAsItWas(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	importBusybox(t, s, "busybox")
	var docker, oci bytes.Buffer
	if err := s.Save(ctx, &docker, FormatDockerArchive, "busybox"); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, &oci, FormatOCIArchive, "busybox"); err != nil {
		t.Fatal(err)
	}
	// The other store starts with one unrelated image.
	dst := newStore(t)
	other, _ := random.Image(100, 1)
	if _, err := dst.Write(ctx, other, "other"); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dst)
	tarball := layertest.Tar(t)
	img, _ := s.Image(ctx, "busybox")
	m, _ := img.Manifest()
	layerHex := m.Layers[0].Digest.Hex

	cases := map[string]struct {
		run  func() error
		want error
		says string
	}{
		"truncated docker archive": {func() error { _, err := dst.Load(ctx, bytes.NewReader(docker.Bytes()[:docker.Len()/2])); return err }, ErrBadArchive, "archive"},
		"truncated oci archive":    {func() error { _, err := dst.Load(ctx, bytes.NewReader(oci.Bytes()[:oci.Len()-2000])); return err }, nil, ""},
		"not an archive":           {func() error { _, err := dst.Load(ctx, strings.NewReader("hello")); return err }, ErrBadArchive, "archive"},
		"corrupt layer in oci archive": {func() error {
			_, err := dst.Load(ctx, bytes.NewReader(flipInBlob(t, oci.Bytes(), "blobs/sha256/"+layerHex)))
			return err
		}, nil, layerHex},
		"missing layer in docker archive": {func() error {
			_, err := dst.Load(ctx, bytes.NewReader(dropEntry(t, docker.Bytes(), layerHex)))
			return err
		}, ErrMissingBlob, layerHex},
		"unknown media type": {func() error {
			_, err := dst.Load(ctx, bytes.NewReader(rewriteMediaType(t, oci.Bytes())))
			return err
		}, ErrMediaType, "application/x-frob"},
		"truncated import": {func() error {
			_, err := dst.Import(ctx, bytes.NewReader(tarball[:len(tarball)/3]), "cut", nil)
			return err
		}, ErrBadArchive, "tar"},
		"unknown tag source": {func() error { return dst.Tag(ctx, "nosuch", "x") }, ErrNotFound, "nosuch"},
		"unknown rmi":        {func() error { _, err := dst.Remove(ctx, "nosuch:1", false); return err }, ErrNotFound, "nosuch:1"},
		"unknown save":       {func() error { return dst.Save(ctx, &bytes.Buffer{}, FormatOCIArchive, "nosuch") }, ErrNotFound, "nosuch"},
	}
	for name, c := range cases {
		err := c.run()
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: error %v does not wrap %v", name, err, c.want)
		}
		if !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: error %q does not name %q", name, err, c.says)
		}
		if after := snapshot(t, dst); after != before {
			t.Errorf("%s changed the store:\nbefore\n%s\nafter\n%s", name, before, after)
		}
	}
	list, _ := dst.List(ctx)
	if len(list) != 1 || list[0].Names[0] != "docker.io/library/other:latest" {
		t.Errorf("store after bad input: %+v", list)
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := newStore(t)
	id := importBusybox(t, src, "busybox")
	rnd, _ := random.Image(1000, 3)
	rid, err := src.Write(ctx, rnd, "localhost:5000/rnd:v2")
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{FormatDockerArchive, FormatOCIArchive} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := src.Save(ctx, &buf, format, "busybox", "localhost:5000/rnd:v2"); err != nil {
				t.Fatal(err)
			}
			dst := newStore(t)
			lines, err := dst.Load(ctx, &buf)
			if err != nil {
				t.Fatal(err)
			}
			sort.Strings(lines)
			if !slices.Equal(lines, []string{"Loaded image: busybox:latest", "Loaded image: localhost:5000/rnd:v2"}) {
				t.Errorf("load said %q", lines)
			}
			for ref, want := range map[string]v1.Hash{"busybox": id, "localhost:5000/rnd:v2": rid} {
				a, _ := src.Image(ctx, ref)
				b, err := dst.Image(ctx, ref)
				if err != nil {
					t.Fatal(err)
				}
				if got, _ := b.ConfigName(); got != want {
					t.Errorf("%s: ID %s, want %s", ref, got, want)
				}
				la, _ := a.Layers()
				lb, _ := b.Layers()
				for i := range la {
					da, _ := la[i].Digest()
					db, _ := lb[i].Digest()
					if da != db {
						t.Errorf("%s layer %d: %s became %s", ref, i, da, db)
					}
				}
				if err := validate.Image(b); err != nil {
					t.Errorf("%s: %v", ref, err)
				}
			}
		})
	}
}

func TestWriteRefusesLayerThatIsNotItsDiffID(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	img, _ := random.Image(2048, 1)
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.RootFS.DiffIDs[0] = v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("0", 64)}
	bad, err := mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, s)
	_, err = s.Write(ctx, bad, "bad")
	if !errors.Is(err, ErrDigestMismatch) || !strings.Contains(err.Error(), strings.Repeat("0", 64)) {
		t.Fatalf("a layer that does not match its diff ID: %v", err)
	}
	if after := snapshot(t, s); after != before {
		t.Errorf("the refused write changed the store:\n%s", after)
	}
}
