package layers

import (
	"context"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// HistoryEntry is one step of an image's history, newest first as `docker
// history` prints it.
type HistoryEntry struct {
	// ID is the image ID for the newest step and "<missing>" for the others.
	ID         string
	Created    time.Time
	CreatedBy  string
	Comment    string
	Size       int64
	EmptyLayer bool
}

// History returns the steps that made an image, newest first, each with the
// size of the layer it added.
func (s *Store) History(ctx context.Context, ref string) ([]HistoryEntry, error) {
	img, err := s.Image(ctx, ref)
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, err
	}
	var out []HistoryEntry
	li := 0
	for _, h := range cfg.History {
		e := HistoryEntry{ID: "<missing>", Created: h.Created.Time, CreatedBy: h.CreatedBy, Comment: h.Comment, EmptyLayer: h.EmptyLayer}
		if !h.EmptyLayer && li < len(m.Layers) {
			e.Size = m.Layers[li].Size
			li++
		}
		out = append(out, e)
	}
	// Layers the history does not account for still show, as docker does.
	for ; li < len(m.Layers); li++ {
		out = append(out, HistoryEntry{ID: "<missing>", Size: m.Layers[li].Size})
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	if len(out) > 0 {
		out[0].ID = m.Config.Digest.String()
	}
	return out, nil
}

// Inspect is an image as `docker image inspect` prints it. Field names
// follow docker's, so that --format templates written for docker ({{.Id}})
// work unchanged.
type Inspect struct {
	Id           string         `json:"Id"`
	RepoTags     []string       `json:"RepoTags"`
	RepoDigests  []string       `json:"RepoDigests"`
	Parent       string         `json:"Parent"`
	Comment      string         `json:"Comment"`
	Created      string         `json:"Created"`
	Author       string         `json:"Author"`
	Config       v1.Config      `json:"Config"`
	Architecture string         `json:"Architecture"`
	Variant      string         `json:"Variant,omitempty"`
	Os           string         `json:"Os"`
	Size         int64          `json:"Size"`
	RootFS       InspectRootFS  `json:"RootFS"`
	Metadata     map[string]any `json:"Metadata"`
	Descriptor   v1.Descriptor  `json:"Descriptor"`
}

// InspectRootFS lists an image's layers by diff ID.
type InspectRootFS struct {
	Type   string   `json:"Type"`
	Layers []string `json:"Layers"`
}

// Inspect describes one image the way docker's image inspect does.
func (s *Store) Inspect(ctx context.Context, ref string) (*Inspect, error) {
	var desc v1.Descriptor
	var names []string
	err := s.view(func(idx *v1.IndexManifest) error {
		var err error
		if desc, err = s.resolve(idx, ref); err != nil {
			return err
		}
		for _, d := range idx.Manifests {
			if d.Digest == desc.Digest && d.Annotations[AnnotationRefName] != "" {
				names = append(names, d.Annotations[AnnotationRefName])
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	img, err := s.image(desc)
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	sum := ImageSummary{}
	if err := summarise(img, &sum); err != nil {
		return nil, err
	}
	in := &Inspect{Id: sum.ID.String(), RepoTags: []string{}, RepoDigests: []string{}, Comment: "", Author: cfg.Author,
		Created: cfg.Created.Time.UTC().Format(time.RFC3339Nano), Config: cfg.Config, Architecture: cfg.Architecture,
		Variant: cfg.Variant, Os: cfg.OS, Size: sum.Size, RootFS: InspectRootFS{Type: "layers", Layers: []string{}},
		Metadata: map[string]any{"LastTagTime": "0001-01-01T00:00:00Z"}, Descriptor: v1.Descriptor{MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size}}
	seen := map[string]bool{}
	for _, n := range names {
		fam := FamiliarName(n)
		if strings.Contains(n, "@") {
			in.RepoDigests = append(in.RepoDigests, fam)
			continue
		}
		in.RepoTags = append(in.RepoTags, fam)
		repo, _ := SplitName(fam)
		if !seen[repo] {
			seen[repo] = true
			in.RepoDigests = append(in.RepoDigests, repo+"@"+desc.Digest.String())
		}
	}
	for _, h := range cfg.History {
		if h.Comment != "" {
			in.Comment = h.Comment
		}
	}
	for _, d := range cfg.RootFS.DiffIDs {
		in.RootFS.Layers = append(in.RootFS.Layers, d.String())
	}
	return in, nil
}
