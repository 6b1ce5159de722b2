package attach

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

func TestEscapeReader(t *testing.T) {
	keys, err := ParseDetachKeys("ctrl-p,ctrl-q")
	if err != nil || !bytes.Equal(keys, []byte{16, 17}) {
		t.Fatalf("ParseDetachKeys = %v, %v", keys, err)
	}
	for in, want := range map[string]string{
		"hello":               "hello",
		"ab\x10c\x10\x11tail": "ab\x10c",
		"\x10\x10\x11":        "\x10",
		"x\x10":               "x\x10",
	} {
		hit := false
		r := &EscapeReader{R: strings.NewReader(in), Keys: keys, Hit: func() { hit = true }}
		got, _ := io.ReadAll(r)
		if string(got) != want {
			t.Errorf("%q: passed %q, want %q", in, got, want)
		}
		if hit != strings.Contains(in, "\x10\x11") {
			t.Errorf("%q: detached = %v", in, hit)
		}
	}
	for _, bad := range []string{"ctrl-", "ctrl-1", "ab"} {
		if _, err := ParseDetachKeys(bad); err == nil {
			t.Errorf("ParseDetachKeys(%q) took a bad value", bad)
		}
	}
}
