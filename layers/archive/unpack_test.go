package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"golang.org/x/sys/unix"
)

// sandbox makes a parent directory holding the target and a sibling
// "outside" with one file, so a test can see whether anything escaped.
func sandbox(t *testing.T) (target, outside string) {
	t.Helper()
	parent := t.TempDir()
	target, outside = filepath.Join(parent, "target"), filepath.Join(parent, "outside")
	os.Mkdir(target, 0o755)
	os.Mkdir(outside, 0o755)
	os.WriteFile(filepath.Join(outside, "secret"), []byte("untouched"), 0o600)
	return target, outside
}

func checkOutside(t *testing.T, outside string) {
	t.Helper()
	ents, _ := os.ReadDir(outside)
	b, _ := os.ReadFile(filepath.Join(outside, "secret"))
	if len(ents) != 1 || string(b) != "untouched" {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("something escaped the target: outside holds %v, secret %q", names, b)
	}
	parentEnts, _ := os.ReadDir(filepath.Dir(outside))
	if len(parentEnts) != 2 {
		t.Fatalf("something was written beside the target: %d entries", len(parentEnts))
	}
}

func unpack(t *testing.T, dir string, opts Options, entries ...entry) error {
	t.Helper()
	_, err := Unpack(context.Background(), bytes.NewReader(tarOf(t, entries...)), dir, opts)
	return err
}

func TestHostileArchivesStayInside(t *testing.T) {
	cases := []struct {
		name    string
		entries []entry
		escape  bool // must be refused with ErrEscape
	}{
		{"dot-dot name", []entry{{name: "../outside/secret", body: "pwned"}}, true},
		{"dot-dot inside name", []entry{{name: "a/../../outside/x", body: "pwned"}}, true},
		{"absolute name lands inside", []entry{{name: "/outside/secret", body: "inside"}}, false},
		{"relative link then through it", []entry{{name: "l", typ: tar.TypeSymlink, link: "../outside"}, {name: "l/secret", body: "pwned"}}, false},
		{"absolute link then through it", []entry{{name: "l", typ: tar.TypeSymlink, link: "/"}, {name: "l/outside/secret", body: "x"}}, false},
		{"hard link out", []entry{{name: "h", typ: tar.TypeLink, link: "../outside/secret"}}, true},
		{"hard link to escaping symlink", []entry{{name: "s", typ: tar.TypeSymlink, link: "../outside/secret"}, {name: "h", typ: tar.TypeLink, link: "s"}}, false},
		{"whiteout of parent", []entry{{name: "a/.wh..."}}, true},
		{"link chain", []entry{{name: "a", typ: tar.TypeSymlink, link: "b/../../outside"}, {name: "b", typ: tar.TypeDir}, {name: "a/secret", body: "x"}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			target, outside := sandbox(t)
			err := unpack(t, target, Options{}, c.entries...)
			if c.escape && !errors.Is(err, ErrEscape) {
				t.Fatalf("err = %v, want ErrEscape", err)
			}
			checkOutside(t, outside)
		})
	}
}

func TestLinkOnDiskIsNotFollowedOut(t *testing.T) {
	target, outside := sandbox(t)
	// A lower layer left a link to the host: the next layer writes through it.
	os.Symlink(outside, filepath.Join(target, "etc"))
	err := unpack(t, target, Options{}, entry{name: "etc/secret", body: "pwned"})
	if err == nil {
		t.Fatal("writing through a link to the host succeeded")
	}
	checkOutside(t, outside)
}

func TestHardLinkToSymlinkLinksTheLink(t *testing.T) {
	target, outside := sandbox(t)
	if err := unpack(t, target, Options{}, entry{name: "s", typ: tar.TypeSymlink, link: filepath.Join(outside, "secret")},
		entry{name: "h", typ: tar.TypeLink, link: "s"}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(filepath.Join(target, "h"))
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("h should be the symlink itself: %v %v", fi, err)
	}
}

func TestMetadata(t *testing.T) {
	target, _ := sandbox(t)
	err := unpack(t, target, Options{},
		entry{name: "bin/", typ: tar.TypeDir, mode: 0o755},
		entry{name: "bin/su", body: "#!", mode: 0o4755, uid: 0, gid: 0},
		entry{name: "home/u/", typ: tar.TypeDir, mode: 0o700, uid: 1000, gid: 1000},
		entry{name: "home/u/f", body: "data", mode: 0o640, uid: 1000, gid: 100, xattrs: map[string]string{"user.note": "kept"}},
		entry{name: "tmp/", typ: tar.TypeDir, mode: 0o1777},
		entry{name: "dev/null", typ: tar.TypeChar, mode: 0o666, major: 1, minor: 3},
		entry{name: "run/fifo", typ: tar.TypeFifo, mode: 0o600},
		entry{name: "lnk", typ: tar.TypeSymlink, link: "bin/su", uid: 1000, gid: 1000},
		entry{name: "hard", typ: tar.TypeLink, link: "home/u/f"},
	)
	if err != nil {
		t.Fatal(err)
	}
	check := func(p string, mode os.FileMode, uid, gid uint32) {
		t.Helper()
		fi, err := os.Lstat(filepath.Join(target, p))
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if fi.Mode() != mode || st.Uid != uid || st.Gid != gid {
			t.Errorf("%s: mode %v uid %d gid %d; want %v %d %d", p, fi.Mode(), st.Uid, st.Gid, mode, uid, gid)
		}
		if fi.Mode()&os.ModeSymlink == 0 && !fi.ModTime().Equal(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)) {
			t.Errorf("%s: mtime %v", p, fi.ModTime())
		}
	}
	check("bin/su", 0o755|os.ModeSetuid, 0, 0)
	check("home/u", 0o700|os.ModeDir, 1000, 1000)
	check("home/u/f", 0o640, 1000, 100)
	check("tmp", 0o777|os.ModeDir|os.ModeSticky, 0, 0)
	check("dev/null", 0o666|os.ModeDevice|os.ModeCharDevice, 0, 0)
	check("run/fifo", 0o600|os.ModeNamedPipe, 0, 0)
	check("lnk", 0o777|os.ModeSymlink, 1000, 1000)
	buf := make([]byte, 16)
	if n, err := unix.Getxattr(filepath.Join(target, "home/u/f"), "user.note", buf); err != nil || string(buf[:n]) != "kept" {
		t.Errorf("xattr: %q %v", buf[:n], err)
	}
	a, _ := os.Stat(filepath.Join(target, "home/u/f"))
	b, _ := os.Stat(filepath.Join(target, "hard"))
	if !os.SameFile(a, b) {
		t.Error("hard link is not the same file")
	}
}

func TestReplaceFileByDirAndDirByFile(t *testing.T) {
	target, _ := sandbox(t)
	os.MkdirAll(filepath.Join(target, "was-dir/deep"), 0o755)
	os.WriteFile(filepath.Join(target, "was-file"), []byte("x"), 0o644)
	err := unpack(t, target, Options{}, entry{name: "was-dir", body: "now a file"}, entry{name: "was-file/", typ: tar.TypeDir},
		entry{name: "was-file/child", body: "c"})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(target, "was-dir")); string(b) != "now a file" {
		t.Fatalf("was-dir: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(target, "was-file/child")); string(b) != "c" {
		t.Fatalf("was-file/child: %q", b)
	}
}

func TestWhiteoutsApplied(t *testing.T) {
	target, _ := sandbox(t)
	unpack(t, target, Options{}, entry{name: "keep", body: "k"}, entry{name: "gone", body: "g"},
		entry{name: "dir/old1", body: "1"}, entry{name: "dir/old2", body: "2"}, entry{name: "tree/a/b", body: "b"})
	err := unpack(t, target, Options{}, entry{name: ".wh.gone"}, entry{name: ".wh.tree"},
		entry{name: "dir/", typ: tar.TypeDir}, entry{name: "dir/new", body: "n"}, entry{name: "dir/.wh..wh..opq"})
	if err != nil {
		t.Fatal(err)
	}
	if got := listTree(t, target); got != "dir dir/new keep" {
		t.Fatalf("tree after whiteouts: %s", got)
	}
}

func TestWhiteoutsInOverlayForm(t *testing.T) {
	target, _ := sandbox(t)
	err := unpack(t, target, Options{Whiteouts: OverlayWhiteouts}, entry{name: ".wh.gone"},
		entry{name: "dir/", typ: tar.TypeDir}, entry{name: "dir/.wh..wh..opq"}, entry{name: "dir/new", body: "n"})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(filepath.Join(target, "gone"))
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 || fi.Sys().(*syscall.Stat_t).Rdev != 0 {
		t.Fatalf("whiteout should be a 0/0 char device: %v %v", fi, err)
	}
	buf := make([]byte, 4)
	n, err := unix.Lgetxattr(filepath.Join(target, "dir"), OverlayOpaqueXattr, buf)
	if err != nil || string(buf[:n]) != "y" {
		t.Fatalf("opaque xattr %q, %v", buf[:n], err)
	}
}

func TestDecompressSniffs(t *testing.T) {
	raw := tarOf(t, entry{name: "f", body: "plain"})
	var gz, zs bytes.Buffer
	gw := gzip.NewWriter(&gz)
	gw.Write(raw)
	gw.Close()
	zw, _ := zstd.NewWriter(&zs)
	zw.Write(raw)
	zw.Close()
	for name, in := range map[string][]byte{"none": raw, "gzip": gz.Bytes(), "zstd": zs.Bytes()} {
		rc, err := Decompress(bytes.NewReader(in))
		if err != nil {
			t.Fatal(name, err)
		}
		b := new(bytes.Buffer)
		b.ReadFrom(rc)
		rc.Close()
		if !bytes.Equal(b.Bytes(), raw) {
			t.Fatalf("%s: stream changed", name)
		}
	}
}

func TestCancelledContext(t *testing.T) {
	target, _ := sandbox(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Unpack(ctx, bytes.NewReader(tarOf(t, entry{name: "f", body: "x"})), target, Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
}

func listTree(t *testing.T, dir string) string {
	var out []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return strings.Join(out, " ")
}
