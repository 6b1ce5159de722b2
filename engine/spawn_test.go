package engine

import (
	"errors"
	"fmt"
	"testing"
)

type codeErr struct{ code int }

func (c codeErr) Error() string {
	return fmt.Sprintf("exec: \"nope\": executable file not found\nin $PATH")
}
func (c codeErr) ExitCode() int { return c.code }

func TestReadyLineRoundTrip(t *testing.T) {
	if ParseReady(ReadyLine(nil)) != nil {
		t.Fatal("ok did not round-trip")
	}
	err := ParseReady(ReadyLine(codeErr{127}))
	var se *StartError
	if !errors.As(err, &se) || se.Code != 127 || se.Msg != "exec: \"nope\": executable file not found in $PATH" {
		t.Fatalf("parsed %#v", err)
	}
	err = ParseReady(ReadyLine(errors.New("rootfs missing")))
	if !errors.As(err, &se) || se.Code != 125 || se.ExitCode() != 125 {
		t.Fatalf("plain error parsed as %#v", err)
	}
	if err := ParseReady("garbage"); !errors.As(err, &se) || se.Code != 125 {
		t.Fatalf("garbage parsed as %#v", err)
	}
}
