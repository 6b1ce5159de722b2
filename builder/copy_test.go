package builder

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/berth-dev/berth/builder/dockerfile"
)

func TestCopy(t *testing.T) {
	e := newEnv(t)
	e.write(map[string]string{
		"a.txt": "A", "b.txt": "B", "c.md": "C",
		"dir/x": "X", "dir/sub/y": "Y", "dir/skip.log": "L",
		"ignored/z": "Z", "keep.tmp": "K",
	})
	e.write(map[string]string{".dockerignore": "ignored\n*.tmp\n"})
	if err := os.Chmod(filepath.Join(e.ctxDir, "b.txt"), 0o755); err != nil {
		t.Fatal(err)
	}
	res, _ := e.mustBuild(`FROM busybox
COPY a.txt /file-dest
COPY a.txt /etc/
COPY b.txt /bin
COPY *.txt /globbed/
COPY dir /copied
COPY --exclude=*.log dir /excluded/
COPY --chown=berth a.txt /owned/by-name
COPY --chown=7:8 --chmod=0640 a.txt /owned/numeric
COPY --chown=9 dir/x /owned/uid-only
COPY --parents dir/sub/y /parents/
COPY . /all/
WORKDIR /w
COPY a.txt rel
ENV WHO=world
COPY <<EOF /here.txt
hello "$WHO" '$WHO'
EOF
COPY <<'EOF' /raw.txt
hello $WHO
EOF
`)
	fs := files(t, res.Image)
	check := func(path, content string, mode int64, uid, gid int) {
		t.Helper()
		f, ok := fs[path]
		if !ok {
			t.Errorf("%s missing", path)
			return
		}
		if f.content != content || f.hdr.Mode&0o7777 != mode || f.hdr.Uid != uid || f.hdr.Gid != gid {
			t.Errorf("%s = %q mode %o owner %d:%d; want %q %o %d:%d", path, f.content, f.hdr.Mode, f.hdr.Uid, f.hdr.Gid, content, mode, uid, gid)
		}
	}
	check("/file-dest", "A", 0o644, 0, 0)
	check("/etc/a.txt", "A", 0o644, 0, 0)
	check("/bin/b.txt", "B", 0o755, 0, 0) // /bin exists as a directory
	check("/globbed/a.txt", "A", 0o644, 0, 0)
	check("/globbed/b.txt", "B", 0o755, 0, 0)
	check("/copied/x", "X", 0o644, 0, 0)
	check("/copied/sub/y", "Y", 0o644, 0, 0)
	check("/excluded/x", "X", 0o644, 0, 0)
	check("/owned/by-name", "A", 0o644, 1000, 1000)
	check("/owned/numeric", "A", 0o640, 7, 8)
	check("/owned/uid-only", "X", 0o644, 9, 9)
	check("/parents/dir/sub/y", "Y", 0o644, 0, 0)
	check("/w/rel", "A", 0o644, 0, 0)
	check("/here.txt", "hello \"world\" 'world'\n", 0o644, 0, 0)
	check("/raw.txt", "hello $WHO\n", 0o644, 0, 0)
	for _, p := range []string{"/globbed/c.md", "/copied/dir", "/excluded/skip.log", "/all/ignored", "/all/ignored/z", "/all/keep.tmp"} {
		if _, ok := fs[p]; ok {
			t.Errorf("%s should not exist", p)
		}
	}
	if f := fs["/all/dir/sub/y"]; f.content != "Y" {
		t.Errorf("COPY . did not copy the tree: %+v", f)
	}
	if f := fs["/owned"]; f.hdr.Typeflag != tar.TypeDir || f.hdr.Uid != 1000 {
		t.Errorf("/owned = %+v, want a directory made for the chowned copy", f.hdr)
	}
}

func TestCopyLayerIsDeterministic(t *testing.T) {
	var digests []string
	for range 2 {
		e := newEnv(t)
		e.write(map[string]string{"a": "1", "d/b": "2", "d/c": "3"})
		for _, p := range []string{"a", "d/b", "d/c", "d"} {
			if err := os.Chtimes(filepath.Join(e.ctxDir, p), timeFixed, timeFixed); err != nil {
				t.Fatal(err)
			}
		}
		res, _ := e.mustBuild("FROM busybox\nCOPY . /app/\n", func(*Options) {
			for _, p := range []string{"Dockerfile", "."} {
				os.Chtimes(filepath.Join(e.ctxDir, p), timeFixed, timeFixed)
			}
		})
		ls, _ := res.Image.Layers()
		d, err := ls[len(ls)-1].Digest()
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, d.String())
		var names []string
		for _, h := range lastLayer(t, res.Image) {
			names = append(names, h.Name)
		}
		if !sort.StringsAreSorted(names) {
			t.Errorf("layer entries are not sorted: %q", names)
		}
	}
	if digests[0] != digests[1] {
		t.Fatalf("the same context gave layers %s and %s", digests[0], digests[1])
	}
}

func TestCopyFromStage(t *testing.T) {
	e := newEnv(t)
	e.write(map[string]string{"bin/tool": "tool", "unused": "u"})
	res, evs := e.mustBuild(`FROM busybox AS build
COPY bin/tool /out/tool
COPY --chown=5:6 bin/tool /out/owned

FROM busybox AS unused
COPY unused /unused

FROM scratch
COPY --from=build /out/ /usr/local/bin/
COPY --from=0 /etc/passwd /etc/passwd
COPY --from=busybox /bin/busybox /bin/
`)
	fs := files(t, res.Image)
	if fs["/usr/local/bin/tool"].content != "tool" || fs["/etc/passwd"].content == "" || fs["/bin/busybox"].hdr.Size == 0 {
		t.Fatalf("files = %v", keys(fs))
	}
	if f := fs["/usr/local/bin/owned"]; f.hdr.Uid != 5 || f.hdr.Gid != 6 {
		t.Errorf("COPY --from kept owner %d:%d, want 5:6", f.hdr.Uid, f.hdr.Gid)
	}
	for _, ev := range evs {
		if ev.Stage == "unused" {
			t.Fatalf("the unused stage ran: %+v", ev)
		}
	}
	if cf := config(t, res.Image); cf.OS == "" || cf.Architecture == "" || len(cf.RootFS.DiffIDs) != 3 {
		t.Errorf("scratch image config: os %q arch %q %d layers", cf.OS, cf.Architecture, len(cf.RootFS.DiffIDs))
	}
}

func TestAdd(t *testing.T) {
	e := newEnv(t)
	var tgz bytes.Buffer
	gz := gzip.NewWriter(&tgz)
	tw := tar.NewWriter(gz)
	for _, f := range []struct{ name, body string }{{"pkg/", ""}, {"pkg/README", "read me"}, {"../../escape", "nope"}} {
		h := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg, Uid: 42}
		if strings.HasSuffix(f.name, "/") {
			h.Typeflag, h.Mode = tar.TypeDir, 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(f.body))
	}
	tw.Close()
	gz.Close()
	e.write(map[string]string{"app.tar.gz": tgz.String(), "plain.txt": "plain"})
	body := "downloaded"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT")
		w.Write([]byte(body))
	}))
	defer srv.Close()
	sum := sha256.Sum256([]byte(body))
	res, _ := e.mustBuild("FROM busybox\nADD app.tar.gz /opt/\nADD plain.txt /plain\n" +
		"ADD --checksum=sha256:" + hex.EncodeToString(sum[:]) + " " + srv.URL + "/files/data.bin /dl/\n")
	fs := files(t, res.Image)
	if f := fs["/opt/pkg/README"]; f.content != "read me" || f.hdr.Uid != 42 {
		t.Errorf("unpacked file = %+v %q", f.hdr, f.content)
	}
	if f, ok := fs["/opt/escape"]; !ok || f.content != "nope" {
		t.Errorf("an archive's ../../escape must land inside the destination, at /opt/escape; got %v", keys(fs))
	}
	if _, ok := fs["/escape"]; ok {
		t.Errorf("an archive entry climbed out of the destination")
	}
	if fs["/plain"].content != "plain" {
		t.Errorf("/plain = %q", fs["/plain"].content)
	}
	if f := fs["/dl/data.bin"]; f.content != body || f.hdr.Mode&0o777 != 0o600 || f.hdr.ModTime.Year() != 2015 {
		t.Errorf("downloaded file = %+v %q", f.hdr, f.content)
	}
	_, _, err := e.build("FROM busybox\nADD --checksum=sha256:" + strings.Repeat("0", 64) + " " + srv.URL + "/x /x\n")
	if !errors.Is(err, ErrChecksum) {
		t.Errorf("a wrong checksum gave %v", err)
	}
	var de *dockerfile.Error
	if !errors.As(err, &de) || de.Line != 2 {
		t.Errorf("checksum error not located at line 2: %v", err)
	}
}

func keys(m map[string]file) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
