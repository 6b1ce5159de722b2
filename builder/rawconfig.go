package builder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
)

// go-containerregistry's HealthConfig has no StartInterval, which docker
// writes for HEALTHCHECK --start-interval; these carry it through.

// startIntervalOf reads Healthcheck.StartInterval from an image's raw config.
func startIntervalOf(img v1.Image) time.Duration {
	raw, err := img.RawConfigFile()
	if err != nil {
		return 0
	}
	var cf struct {
		Config struct {
			Healthcheck *struct {
				StartInterval time.Duration `json:"StartInterval"`
			} `json:"Healthcheck"`
		} `json:"config"`
	}
	if json.Unmarshal(raw, &cf) != nil || cf.Config.Healthcheck == nil {
		return 0
	}
	return cf.Config.Healthcheck.StartInterval
}

// withStartInterval returns img with Healthcheck.StartInterval set in its
// config; an image without a health check, or d == 0, is returned as is.
func withStartInterval(img v1.Image, d time.Duration) (v1.Image, error) {
	if d == 0 {
		return img, nil
	}
	raw, err := img.RawConfigFile()
	if err != nil {
		return nil, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	var cfg map[string]json.RawMessage
	if err := json.Unmarshal(doc["config"], &cfg); err != nil {
		return nil, err
	}
	var hc map[string]json.RawMessage
	if err := json.Unmarshal(cfg["Healthcheck"], &hc); err != nil || hc == nil {
		return img, nil
	}
	hc["StartInterval"], _ = json.Marshal(int64(d))
	if cfg["Healthcheck"], err = json.Marshal(hc); err != nil {
		return nil, err
	}
	if doc["config"], err = json.Marshal(cfg); err != nil {
		return nil, err
	}
	if raw, err = json.Marshal(doc); err != nil {
		return nil, err
	}
	return &rawConfigImage{Image: img, raw: raw}, nil
}

// rawConfigImage is an image with its config replaced by raw bytes.
type rawConfigImage struct {
	v1.Image
	raw []byte
}

var _ v1.Image = (*rawConfigImage)(nil)

func (i *rawConfigImage) RawConfigFile() ([]byte, error) { return i.raw, nil }

func (i *rawConfigImage) ConfigFile() (*v1.ConfigFile, error) {
	return v1.ParseConfigFile(bytes.NewReader(i.raw))
}

func (i *rawConfigImage) ConfigName() (v1.Hash, error) {
	h, _, err := v1.SHA256(bytes.NewReader(i.raw))
	return h, err
}

func (i *rawConfigImage) Manifest() (*v1.Manifest, error) {
	m, err := i.Image.Manifest()
	if err != nil {
		return nil, err
	}
	m = m.DeepCopy()
	if m.Config.Digest, err = i.ConfigName(); err != nil {
		return nil, err
	}
	m.Config.Size = int64(len(i.raw))
	return m, nil
}

func (i *rawConfigImage) RawManifest() ([]byte, error) {
	m, err := i.Manifest()
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encoding manifest: %w", err)
	}
	return b, nil
}

func (i *rawConfigImage) Digest() (v1.Hash, error) { return partial.Digest(i) }

func (i *rawConfigImage) Size() (int64, error) { return partial.Size(i) }
