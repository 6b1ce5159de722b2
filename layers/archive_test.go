package layers

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

// rewriteTar copies an archive entry by entry through fn, which may change
// an entry's content or drop it (returning nil).
func rewriteTar(t *testing.T, in []byte, fn func(h *tar.Header, b []byte) []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	tr := tar.NewReader(bytes.NewReader(in))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		b = fn(h, b)
		if b == nil {
			continue
		}
		h.Size = int64(len(b))
		tw.WriteHeader(h)
		tw.Write(b)
	}
	tw.Close()
	return out.Bytes()
}

func flipInBlob(t *testing.T, in []byte, entry string) []byte {
	return rewriteTar(t, in, func(h *tar.Header, b []byte) []byte {
		if h.Name == entry {
			b = bytes.Clone(b)
			b[len(b)/2] ^= 0xff
		}
		return b
	})
}

func dropEntry(t *testing.T, in []byte, contains string) []byte {
	return rewriteTar(t, in, func(h *tar.Header, b []byte) []byte {
		if strings.Contains(h.Name, contains) {
			return nil
		}
		return b
	})
}

// rewriteMediaType gives the manifest's layers an unknown media type (the
// manifest keeps its name: the digest check is not what should catch it).
func rewriteMediaType(t *testing.T, in []byte) []byte {
	var idx struct {
		Manifests []struct{ Digest string } `json:"manifests"`
	}
	rewriteTar(t, in, func(h *tar.Header, b []byte) []byte {
		if h.Name == "index.json" {
			json.Unmarshal(b, &idx)
		}
		return b
	})
	manifest := "blobs/sha256/" + strings.TrimPrefix(idx.Manifests[0].Digest, "sha256:")
	return rewriteTar(t, in, func(h *tar.Header, b []byte) []byte {
		if h.Name == manifest {
			return bytes.ReplaceAll(b, []byte("application/vnd.oci.image.layer.v1.tar+gzip"), []byte("application/x-frob"))
		}
		return b
	})
}
