package cli

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

func TestEscapeReader(t *testing.T) {
	keys, err := parseDetachKeys("ctrl-p,ctrl-q")
	if err != nil || !bytes.Equal(keys, []byte{16, 17}) {
		t.Fatalf("parseDetachKeys = %v, %v", keys, err)
	}
	for in, want := range map[string]string{
		"hello":               "hello",
		"ab\x10c\x10\x11tail": "ab\x10c",
		"\x10\x10\x11":        "\x10",
		"x\x10":               "x\x10",
	} {
		hit := false
		r := &escapeReader{r: strings.NewReader(in), keys: keys, hit: func() { hit = true }}
		got, _ := io.ReadAll(r)
		if string(got) != want {
			t.Errorf("%q: passed %q, want %q", in, got, want)
		}
		if hit != strings.Contains(in, "\x10\x11") {
			t.Errorf("%q: detached = %v", in, hit)
		}
	}
	for _, bad := range []string{"ctrl-", "ctrl-1", "ab"} {
		if _, err := parseDetachKeys(bad); err == nil {
			t.Errorf("parseDetachKeys(%q) took a bad value", bad)
		}
	}
}
