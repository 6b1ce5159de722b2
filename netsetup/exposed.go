package netsetup

import (
	"fmt"
	"sort"
	"strings"
)

// ExposedToMappings turns an image's exposed ports ("80/tcp", "53/udp", as in
// the OCI config's ExposedPorts keys) into mappings for -P, each with HostPort
// 0 so that a free host port is chosen. The result is sorted for stable output.
func ExposedToMappings(exposed []string) ([]PortMapping, error) {
	keys := append([]string(nil), exposed...)
	sort.Strings(keys)
	var out []PortMapping
	for _, k := range keys {
		if strings.Contains(k, ":") {
			return nil, fmt.Errorf("parse exposed port %q: %w: no host part allowed", k, ErrBadPort)
		}
		m, err := parsePort(k)
		if err != nil {
			return nil, fmt.Errorf("parse exposed port %q: %w", k, err)
		}
		out = append(out, m...)
	}
	return out, nil
}
