package attach

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestOutputReachesEveryClientThenExitCode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "attach.sock")
	s, err := Listen(path, true)
	if err != nil {
		t.Fatal(err)
	}
	var outs, errs [2]bytes.Buffer
	codes := make(chan int, 2)
	var ready sync.WaitGroup
	for i := 0; i < 2; i++ {
		c, err := Dial(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.WaitReady(); err != nil {
			t.Fatal(err)
		}
		ready.Add(1)
		go func(i int) {
			ready.Done()
			code, err := c.Copy(&outs[i], &errs[i])
			if err != nil {
				t.Error(err)
			}
			codes <- code
		}(i)
	}
	ready.Wait()
	io.WriteString(s.Writer(Stdout), "hello ")
	io.WriteString(s.Writer(Stderr), "oops")
	io.WriteString(s.Writer(Stdout), "world")
	s.Exit(42)
	for i := 0; i < 2; i++ {
		select {
		case code := <-codes:
			if code != 42 {
				t.Fatalf("exit code %d, want 42", code)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no exit code")
		}
	}
	for i := 0; i < 2; i++ {
		if outs[i].String() != "hello world" || errs[i].String() != "oops" {
			t.Fatalf("client %d got %q / %q", i, outs[i].String(), errs[i].String())
		}
	}
}

func TestLateAttachGetsExitCode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "attach.sock")
	s, _ := Listen(path, false)
	s.mu.Lock()
	s.exited, s.code = true, 3
	s.mu.Unlock()
	c, err := Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitReady(); err != nil {
		t.Fatal(err)
	}
	if code, err := c.Copy(io.Discard, io.Discard); err != nil || code != 3 {
		t.Fatalf("late attach: code %d, %v", code, err)
	}
	s.Close()
}

func TestInputResizeAndEndOfInput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "attach.sock")
	s, _ := Listen(path, true)
	defer s.Close()
	sizes := make(chan [2]uint16, 1)
	s.OnResize = func(w, h uint16) { sizes <- [2]uint16{w, h} }
	c, _ := Dial(path)
	c.WaitReady()
	c.Resize(132, 43)
	io.WriteString(c, "line one\n")
	io.WriteString(c, "line two\n")
	c.CloseStdin()
	got, err := io.ReadAll(s.Stdin())
	if err != nil || string(got) != "line one\nline two\n" {
		t.Fatalf("stdin %q, %v", got, err)
	}
	select {
	case sz := <-sizes:
		if sz != [2]uint16{132, 43} {
			t.Fatalf("resize %v", sz)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no resize")
	}
}

func TestSupervisorGoneIsDetached(t *testing.T) {
	path := filepath.Join(t.TempDir(), "attach.sock")
	s, _ := Listen(path, false)
	c, _ := Dial(path)
	c.WaitReady()
	s.Close()
	if _, err := c.Copy(io.Discard, io.Discard); !errors.Is(err, ErrDetached) {
		t.Fatalf("copy after the server went: %v, want ErrDetached", err)
	}
}

func TestOversizedFrameRefused(t *testing.T) {
	var b bytes.Buffer
	b.Write([]byte{1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})
	if _, _, err := ReadFrame(&b, nil); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("huge frame: %v", err)
	}
	b.Reset()
	big := bytes.Repeat([]byte("x"), maxFrame+5)
	WriteFrame(&b, Stdout, big)
	var got []byte
	for {
		_, p, err := ReadFrame(&b, nil)
		if err != nil {
			break
		}
		got = append(got, p...)
	}
	if !bytes.Equal(got, big) {
		t.Fatalf("split frames rejoined to %d bytes, want %d", len(got), len(big))
	}
}
