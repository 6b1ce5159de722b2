package analyze_test

import (
	"archive/tar"
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/berth-dev/berth/layers/analyze"
	. "github.com/berth-dev/berth/layers/analyze/analyzetest"
)

// scanBoth indexes a tar with ScanTar (headers read at offsets) and with
// IndexTar (archive/tar) and fails if they differ.
func scanBoth(t *testing.T, name string, raw []byte) {
	t.Helper()
	want, werr := analyze.IndexTar(bytes.NewReader(raw))
	got, gerr := analyze.ScanTar(bytes.NewReader(raw), int64(len(raw)))
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%s: archive/tar error %v, ScanTar error %v", name, werr, gerr)
	}
	if werr == nil && !reflect.DeepEqual(got, want) {
		t.Errorf("%s: ScanTar differs from archive/tar:\n got %+v\nwant %+v", name, got, want)
	}
}

func TestScanTarMatchesArchiveTar(t *testing.T) {
	for i, l := range fixtureLayers {
		var buf bytes.Buffer
		if err := WriteTar(&buf, l.Files); err != nil {
			t.Fatal(err)
		}
		scanBoth(t, fmt.Sprintf("fixture layer %d", i), buf.Bytes())
	}
	for seed := uint64(1); seed <= 3; seed++ {
		for i, l := range randomLayers(seed, 3) {
			var buf bytes.Buffer
			if err := WriteTar(&buf, l.Files); err != nil {
				t.Fatal(err)
			}
			scanBoth(t, fmt.Sprintf("random %d layer %d", seed, i), buf.Bytes())
		}
	}
	// Long names and links in every format archive/tar writes, a ustar
	// prefix, owners, a large uid (PAX), devices and a hardlink.
	long := strings.Repeat("long-directory-name/", 8) + "file"
	for _, format := range []tar.Format{tar.FormatUSTAR, tar.FormatPAX, tar.FormatGNU} {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		hdrs := []*tar.Header{
			{Name: "a/", Typeflag: tar.TypeDir, Mode: 0o755, Uid: 1, Gid: 2},
			{Name: "a/file", Typeflag: tar.TypeReg, Mode: 0o4755, Size: 1000, Uid: 1000, Gid: 1000},
			{Name: strings.Repeat("p", 90) + "/" + strings.Repeat("n", 90), Typeflag: tar.TypeReg, Mode: 0o644, Size: 3},
			{Name: "a/hard", Typeflag: tar.TypeLink, Linkname: "a/file"},
			{Name: "dev/null", Typeflag: tar.TypeChar, Mode: 0o666, Devmajor: 1, Devminor: 3},
			{Name: "a/.wh..wh..opq", Typeflag: tar.TypeReg},
		}
		if format != tar.FormatUSTAR {
			hdrs = append(hdrs,
				&tar.Header{Name: long, Typeflag: tar.TypeReg, Mode: 0o600, Size: 700},
				&tar.Header{Name: "a/sym", Typeflag: tar.TypeSymlink, Linkname: long + "/" + long},
			)
		}
		if format == tar.FormatPAX {
			hdrs = append(hdrs, &tar.Header{Name: "big-uid", Typeflag: tar.TypeReg, Uid: 1 << 30, Size: 1})
		}
		for _, h := range hdrs {
			h.Format = format
			if err := tw.WriteHeader(h); err != nil {
				t.Fatalf("%v %s: %v", format, h.Name, err)
			}
			tw.Write(bytes.Repeat([]byte{'x'}, int(h.Size)))
		}
		tw.Close()
		raw := buf.Bytes()
		scanBoth(t, format.String(), raw)
		got, err := analyze.ScanTar(bytes.NewReader(raw), int64(len(raw)))
		if err != nil {
			t.Fatal(err)
		}
		if format != tar.FormatUSTAR && !strings.Contains(fmt.Sprint(got.Entries), long+"/"+long) {
			t.Errorf("%v: long link target lost", format)
		}
		// A truncated copy fails (archive/tar lets a cut inside padding
		// pass as the end; ScanTar is stricter), a garbled one fails in both.
		for _, cut := range []int{700, 1100, 2100, 2600} {
			if _, err := analyze.ScanTar(bytes.NewReader(raw[:cut]), int64(cut)); err == nil {
				t.Errorf("%v cut at %d: no error", format, cut)
			}
		}
		bad := bytes.Clone(raw)
		copy(bad[512:], "garbage garbage garbage")
		scanBoth(t, format.String()+" garbled", bad)
	}
}

// FuzzScanTar feeds ScanTar arbitrary bytes: it must not panic, and when
// it and archive/tar both read a stream they must agree.
func FuzzScanTar(f *testing.F) {
	for _, l := range fixtureLayers {
		var buf bytes.Buffer
		WriteTar(&buf, l.Files)
		f.Add(buf.Bytes())
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: strings.Repeat("x/", 80) + "f", Typeflag: tar.TypeReg, Size: 2, Format: tar.FormatGNU})
	tw.Write([]byte("hi"))
	tw.Close()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, gerr := analyze.ScanTar(bytes.NewReader(raw), int64(len(raw)))
		want, werr := analyze.IndexTar(bytes.NewReader(raw))
		if gerr == nil && werr == nil && len(got.Entries) != len(want.Entries) {
			t.Errorf("ScanTar found %d entries, archive/tar %d", len(got.Entries), len(want.Entries))
		}
	})
}
