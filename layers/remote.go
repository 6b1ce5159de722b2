package layers

import (
	"context"
	"fmt"
	"net/http"
	"runtime"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// RemoteOptions tune Pull and Push.
type RemoteOptions struct {
	// Insecure allows plain HTTP and unverified TLS to the registry. Loopback
	// and private addresses use HTTP without it, as docker allows.
	Insecure bool
	// Keychain finds credentials; nil means docker's (~/.docker/config.json
	// and its credential helpers).
	Keychain authn.Keychain
	// Transport replaces the HTTP transport (tests, proxies).
	Transport http.RoundTripper
	// Progress hears of each layer's transfer.
	Progress ProgressFunc
}

func (o RemoteOptions) parse(ref string) (name.Reference, []remote.Option, error) {
	var nopts []name.Option
	if o.Insecure {
		nopts = append(nopts, name.Insecure)
	}
	r, err := name.ParseReference(ref, nopts...)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid reference format %q: %w", ref, err)
	}
	kc := o.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	ropts := []remote.Option{remote.WithAuthFromKeychain(kc)}
	if o.Transport != nil {
		ropts = append(ropts, remote.WithTransport(o.Transport))
	}
	return r, ropts, nil
}

// Pull fetches an image (this machine's platform, from a multi-platform
// index) from its registry and stores it under ref. It returns the image ID.
func (s *Store) Pull(ctx context.Context, ref string, opts RemoteOptions) (v1.Hash, error) {
	r, ropts, err := opts.parse(ref)
	if err != nil {
		return v1.Hash{}, err
	}
	ropts = append(ropts, remote.WithContext(ctx), remote.WithPlatform(v1.Platform{OS: "linux", Architecture: runtime.GOARCH}))
	img, err := remote.Image(r, ropts...)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("pulling %s: %w", ref, err)
	}
	id, err := s.write(ctx, img, []string{ref}, opts.Progress)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("pulling %s: %w", ref, err)
	}
	return id, nil
}

// Push sends a stored image to the registry its name points at and returns
// the manifest digest the registry holds it under.
func (s *Store) Push(ctx context.Context, ref string, opts RemoteOptions) (v1.Hash, error) {
	img, err := s.Image(ctx, ref)
	if err != nil {
		return v1.Hash{}, err
	}
	r, ropts, err := opts.parse(ref)
	if err != nil {
		return v1.Hash{}, err
	}
	ropts = append(ropts, remote.WithContext(ctx))
	var updates chan v1.Update
	done := make(chan struct{})
	if opts.Progress != nil {
		updates = make(chan v1.Update, 16)
		ropts = append(ropts, remote.WithProgress(updates))
		go func() {
			defer close(done)
			for u := range updates {
				opts.Progress(Progress{ID: r.Context().RepositoryStr(), Action: "Pushing", Current: u.Complete, Total: u.Total})
			}
		}()
	} else {
		close(done)
	}
	err = remote.Write(r, img, ropts...)
	<-done
	if err != nil {
		return v1.Hash{}, fmt.Errorf("pushing %s: %w", ref, err)
	}
	return img.Digest()
}
