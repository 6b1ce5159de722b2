package layers

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func TestPushPullRoundTrip(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	src := newStore(t)
	id := importBusybox(t, src, "busybox", "CMD sh")
	ref := host + "/test/busybox:v1"
	if err := src.Tag(ctx, "busybox", ref); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var events []Progress
	record := func(p Progress) { mu.Lock(); events = append(events, p); mu.Unlock() }
	digest, err := src.Push(ctx, ref, RemoteOptions{Progress: record})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) == 0 {
		t.Error("push reported no progress")
	}
	// The registry holds it under the same digest.
	r, _ := name.ParseReference(ref)
	desc, err := remote.Head(r)
	if err != nil || desc.Digest != digest {
		t.Fatalf("registry has %v (%v), pushed %s", desc, err, digest)
	}

	dst := newStore(t)
	events = nil
	got, err := dst.Pull(ctx, ref, RemoteOptions{Progress: record})
	if err != nil {
		t.Fatal(err)
	}
	if got != id {
		t.Fatalf("pulled ID %s, pushed %s", got, id)
	}
	if len(events) == 0 || events[len(events)-1].Action != "Pull complete" {
		t.Errorf("pull progress %+v", events)
	}
	img, err := dst.Image(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := img.Digest(); d != digest {
		t.Errorf("pulled manifest %s, pushed %s", d, digest)
	}
	// A second pull finds every layer present.
	events = nil
	if _, err := dst.Pull(ctx, ref, RemoteOptions{Progress: record}); err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Action != "Already exists" {
		t.Errorf("second pull progress %+v", events)
	}

	before := snapshot(t, dst)
	_, err = dst.Pull(ctx, host+"/test/nosuch:v1", RemoteOptions{})
	if err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("pull of a missing image: %v", err)
	}
	if snapshot(t, dst) != before {
		t.Error("a failed pull changed the store")
	}
	if _, err := dst.Push(ctx, "nosuch", RemoteOptions{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("push of an unknown image: %v", err)
	}
}
