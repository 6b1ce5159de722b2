package analyze

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Analyzer indexes layers, through its Cache when it has one, and analyses
// images from their layer indexes.
type Analyzer struct {
	// Cache, if not nil, keeps layer indexes between runs.
	Cache *Cache
}

// New returns an analyzer that caches layer indexes under <root>/analysis.
func New(root string) *Analyzer {
	return &Analyzer{Cache: NewCache(filepath.Join(root, "analysis"))}
}

// Index returns the index of one layer: from the cache if it is there,
// otherwise read from the layer's tar headers (and then cached). cached says
// which.
func (a *Analyzer) Index(ctx context.Context, l Layer) (x *Index, cached bool, err error) {
	diffID, err := l.DiffID()
	if err != nil {
		return nil, false, fmt.Errorf("indexing layer: %w", err)
	}
	if a.Cache != nil {
		if x := a.Cache.Get(diffID); x != nil {
			return x, true, nil
		}
	}
	var cerr error
	if ra, size, closeFn, ok := plainTar(l); ok {
		x, err = ScanTar(contextReaderAt{ctx, ra}, size)
		cerr = closeFn()
	} else {
		r, closeFn, oerr := openTar(l)
		if oerr != nil {
			return nil, false, fmt.Errorf("indexing layer %s: %w", diffID, oerr)
		}
		x, err = IndexTar(withContext(ctx, r))
		cerr = closeFn()
	}
	if err == nil {
		err = cerr
	}
	if err != nil {
		return nil, false, fmt.Errorf("indexing layer %s: %w", diffID, err)
	}
	x.DiffID = diffID
	if a.Cache != nil {
		if err := a.Cache.Put(x); err != nil {
			return nil, false, err
		}
	}
	return x, false, nil
}

// Image analyses a go-containerregistry image.
func (a *Analyzer) Image(ctx context.Context, img v1.Image) (*Result, error) {
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("analysing image: reading config: %w", err)
	}
	ls, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("analysing image: listing layers: %w", err)
	}
	layers := make([]Layer, len(ls))
	for i, l := range ls {
		layers[i] = l
	}
	return a.Analyze(ctx, cfg, layers)
}

// Analyze analyses an image given as its config (for the history) and its
// layers, bottom first. Layers not yet indexed are read in parallel.
func (a *Analyzer) Analyze(ctx context.Context, cfg *v1.ConfigFile, layers []Layer) (*Result, error) {
	idx := make([]*Index, len(layers))
	cached := make([]bool, len(layers))
	errs := make([]error, len(layers))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, l := range layers {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			idx[i], cached[i], errs[i] = a.Index(ctx, l)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	r := Compute(idx)
	commands := layerCommands(cfg, len(layers))
	for i := range r.Layers {
		r.Layers[i].Command = commands[i]
		r.Layers[i].Cached = cached[i]
	}
	return r, nil
}

// layerCommands pairs history entries that made a layer with the layers,
// as dive does: "(missing)" where history runs out, "/bin/sh -c " trimmed.
func layerCommands(cfg *v1.ConfigFile, n int) []string {
	out := make([]string, n)
	var hist []v1.History
	if cfg != nil {
		hist = cfg.History
	}
	h := 0
	for i := range out {
		for h < len(hist) && hist[h].EmptyLayer {
			h++
		}
		if h < len(hist) {
			out[i] = strings.TrimPrefix(hist[h].CreatedBy, "/bin/sh -c ")
			h++
		} else {
			out[i] = "(missing)"
		}
	}
	return out
}

// withContext makes reads of r fail once ctx is done, keeping r seekable
// if it is.
func withContext(ctx context.Context, r io.Reader) io.Reader {
	if rs, ok := r.(io.ReadSeeker); ok {
		return contextReadSeeker{contextReader{ctx, r}, rs}
	}
	return contextReader{ctx, r}
}

type contextReader struct {
	ctx context.Context
	r   io.Reader
}

type contextReadSeeker struct {
	contextReader
	s io.Seeker
}

func (c contextReadSeeker) Seek(off int64, whence int) (int64, error) { return c.s.Seek(off, whence) }

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
