package layers

import (
	"context"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Progress is one step of a transfer, for the command line or the UI to draw.
type Progress struct {
	// ID is the short digest of the layer (or config) it concerns.
	ID string
	// Action is docker's word for the step: "Already exists",
	// "Downloading", "Pull complete", "Pushing", "Pushed", "Loading".
	Action string
	// Current and Total are bytes, when known.
	Current, Total int64
}

// ProgressFunc receives progress; it must not block for long.
type ProgressFunc func(Progress)

var layerTypes = map[types.MediaType]bool{
	types.OCILayer: true, types.OCILayerZStd: true, types.OCIUncompressedLayer: true,
	types.DockerLayer: true, types.DockerUncompressedLayer: true,
	types.OCIRestrictedLayer: true, types.OCIUncompressedRestrictedLayer: true,
}

// Write stores img (its layers, config and manifest) and gives it names,
// moving each name from any image that had it. It returns the image ID, the
// digest of its config. The image appears in the index only when all its
// blobs are in place.
func (s *Store) Write(ctx context.Context, img v1.Image, names ...string) (v1.Hash, error) {
	return s.write(ctx, img, names, nil)
}

func (s *Store) write(ctx context.Context, img v1.Image, names []string, progress ProgressFunc) (v1.Hash, error) {
	full, err := normalizeAll(names)
	if err != nil {
		return v1.Hash{}, err
	}
	il, err := s.ingestLock()
	if err != nil {
		return v1.Hash{}, err
	}
	defer il.unlock()
	st, err := s.ingest(ctx, img, progress)
	if err != nil {
		return v1.Hash{}, err
	}
	st.names = full
	return st.id, s.commit(ctx, st)
}

func normalizeAll(names []string) ([]string, error) {
	full := make([]string, 0, len(names))
	for _, n := range names {
		f, err := NormalizeName(n)
		if err != nil {
			return nil, err
		}
		full = append(full, f)
	}
	return full, nil
}

// staged is an image whose blobs are all in the store, waiting to be listed
// in the index under its names.
type staged struct {
	id    v1.Hash
	desc  v1.Descriptor
	blobs []v1.Hash
	names []string
}

// commit lists staged images in the index, in one atomic replacement, after
// checking that their blobs are still there.
func (s *Store) commit(ctx context.Context, sts ...staged) error {
	return s.update(ctx, func(idx *v1.IndexManifest) error {
		for _, st := range sts {
			for _, h := range st.blobs {
				if !s.hasBlob(h) {
					return fmt.Errorf("blob %s: %w", h, ErrMissingBlob)
				}
			}
			nameImage(idx, st.desc, st.names)
		}
		return nil
	})
}

// ingest checks img and stores its blobs, layers first and manifest last;
// the caller holds the ingest lock.
func (s *Store) ingest(ctx context.Context, img v1.Image, progress ProgressFunc) (staged, error) {
	mt, err := img.MediaType()
	if err != nil {
		return staged{}, fmt.Errorf("reading image media type: %w", err)
	}
	if mt != types.OCIManifestSchema1 && mt != types.DockerManifestSchema2 {
		return staged{}, fmt.Errorf("image manifest of type %q: %w", mt, ErrMediaType)
	}
	rawManifest, err := img.RawManifest()
	if err != nil {
		return staged{}, fmt.Errorf("reading image manifest: %w", err)
	}
	m, err := v1.ParseManifest(bytesReader(rawManifest))
	if err != nil {
		return staged{}, fmt.Errorf("parsing image manifest: %w", err)
	}
	rawConfig, err := img.RawConfigFile()
	if err != nil {
		return staged{}, fmt.Errorf("reading image config %s: %w", m.Config.Digest, err)
	}
	cfg, err := v1.ParseConfigFile(bytesReader(rawConfig))
	if err != nil {
		return staged{}, fmt.Errorf("parsing image config %s: %w", m.Config.Digest, err)
	}
	if len(cfg.RootFS.DiffIDs) != len(m.Layers) {
		return staged{}, fmt.Errorf("image config %s lists %d layers, manifest %d: %w", m.Config.Digest, len(cfg.RootFS.DiffIDs), len(m.Layers), ErrBadArchive)
	}
	for _, l := range m.Layers {
		if !layerTypes[l.MediaType] {
			return staged{}, fmt.Errorf("layer %s of type %q: %w", l.Digest, l.MediaType, ErrMediaType)
		}
	}
	// The same image under another manifest (a docker archive's manifest is
	// rebuilt on load) is the image already stored: name that one.
	if same, ok := s.sameImage(m, rawConfig); ok {
		for _, l := range m.Layers {
			emit(progress, Progress{ID: l.Digest.Hex[:12], Action: "Already exists"})
		}
		return staged{id: m.Config.Digest, desc: same, blobs: []v1.Hash{same.Digest}}, nil
	}
	blobs := []v1.Hash{m.Config.Digest}
	for i, desc := range m.Layers {
		if err := ctx.Err(); err != nil {
			return staged{}, err
		}
		blobs = append(blobs, desc.Digest)
		id := desc.Digest.Hex[:12]
		if s.hasBlob(desc.Digest) {
			emit(progress, Progress{ID: id, Action: "Already exists"})
			continue
		}
		if err := s.putLayer(img, desc, cfg.RootFS.DiffIDs[i], progress); err != nil {
			return staged{}, err
		}
		emit(progress, Progress{ID: id, Action: "Pull complete", Current: desc.Size, Total: desc.Size})
	}
	configDigest, err := s.putBytes(rawConfig)
	if err != nil {
		return staged{}, err
	}
	if configDigest != m.Config.Digest {
		return staged{}, fmt.Errorf("image config hashes to %s, manifest says %s: %w", configDigest, m.Config.Digest, ErrDigestMismatch)
	}
	manifestDigest, err := s.putBytes(rawManifest)
	if err != nil {
		return staged{}, err
	}
	desc := v1.Descriptor{MediaType: mt, Digest: manifestDigest, Size: int64(len(rawManifest)),
		Annotations: map[string]string{annotationID: configDigest.String()}}
	return staged{id: configDigest, desc: desc, blobs: append(blobs, manifestDigest)}, nil
}

func (s *Store) putLayer(img v1.Image, desc v1.Descriptor, diffID v1.Hash, progress ProgressFunc) error {
	l, err := img.LayerByDigest(desc.Digest)
	if err != nil {
		return fmt.Errorf("layer %s: %w", desc.Digest, err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return fmt.Errorf("reading layer %s: %w", desc.Digest, err)
	}
	defer rc.Close()
	id := desc.Digest.Hex[:12]
	var last int64
	_, err = s.putBlob(rc, desc.Digest, diffID, func(n int64) {
		if progress != nil && n-last >= 1<<20 {
			last = n
			progress(Progress{ID: id, Action: "Downloading", Current: n, Total: desc.Size})
		}
	})
	if err != nil {
		return fmt.Errorf("layer %s: %w", desc.Digest, err)
	}
	return nil
}

func emit(fn ProgressFunc, p Progress) {
	if fn != nil {
		fn(p)
	}
}

// nameImage records desc in the index under names (full names already),
// taking each name from the image that held it; an image left with no name
// stays as a dangling entry. With no names, desc is added unnamed unless it
// is already listed.
func nameImage(idx *v1.IndexManifest, desc v1.Descriptor, names []string) {
	for _, n := range names {
		untag(idx, n)
		kept := idx.Manifests[:0]
		for _, d := range idx.Manifests {
			if d.Digest == desc.Digest && d.Annotations[AnnotationRefName] == "" {
				continue
			}
			kept = append(kept, d)
		}
		idx.Manifests = kept
		nd := desc
		nd.Annotations = map[string]string{AnnotationRefName: n}
		for k, v := range desc.Annotations {
			nd.Annotations[k] = v
		}
		idx.Manifests = append(idx.Manifests, nd)
	}
	if len(names) == 0 && !listed(idx, desc.Digest) {
		idx.Manifests = append(idx.Manifests, desc)
	}
}

// untag removes name from the index; the image it named, if left without
// any entry, stays as a dangling one. It reports whether name was there.
func untag(idx *v1.IndexManifest, n string) bool {
	for i, d := range idx.Manifests {
		if d.Annotations[AnnotationRefName] != n {
			continue
		}
		idx.Manifests = append(idx.Manifests[:i], idx.Manifests[i+1:]...)
		if !listed(idx, d.Digest) {
			nd := d
			nd.Annotations = map[string]string{}
			for k, v := range d.Annotations {
				if k != AnnotationRefName {
					nd.Annotations[k] = v
				}
			}
			idx.Manifests = append(idx.Manifests, nd)
		}
		return true
	}
	return false
}

func listed(idx *v1.IndexManifest, h v1.Hash) bool {
	for _, d := range idx.Manifests {
		if d.Digest == h {
			return true
		}
	}
	return false
}

// sameImage finds a stored image with the config and layers of m.
func (s *Store) sameImage(m *v1.Manifest, rawConfig []byte) (v1.Descriptor, bool) {
	h, _, err := v1.SHA256(bytesReader(rawConfig))
	if err != nil || h != m.Config.Digest {
		return v1.Descriptor{}, false
	}
	var found v1.Descriptor
	ok := false
	s.view(func(idx *v1.IndexManifest) error {
		for _, d := range idx.Manifests {
			if d.Annotations[annotationID] != h.String() {
				continue
			}
			img, err := s.image(d)
			if err != nil {
				continue
			}
			om, err := img.Manifest()
			if err != nil || len(om.Layers) != len(m.Layers) {
				continue
			}
			match := true
			for i := range om.Layers {
				match = match && om.Layers[i].Digest == m.Layers[i].Digest && s.hasBlob(om.Layers[i].Digest)
			}
			if match {
				found = v1.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size,
					Annotations: map[string]string{annotationID: h.String()}}
				ok = true
				return nil
			}
		}
		return nil
	})
	return found, ok
}
