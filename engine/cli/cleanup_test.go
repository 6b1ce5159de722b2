package cli

import (
	"path/filepath"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/netsetup"
)

// cleanupRoot removes what a test's berth root left on the host: its
// containers' processes and cgroups, its networks' bridges, veths and
// nftables rules, and its mounts.
func cleanupRoot(root string) {
	_ = engine.NewRuntime(root).DeleteAll()
	if s, err := netsetup.OpenStore(filepath.Join(root, engine.NetworksDir)); err == nil {
		nws, _ := s.List()
		for _, n := range nws {
			if pool, err := s.Pool(n); err == nil {
				leases, _ := pool.Leases()
				for id := range leases {
					_ = netsetup.Unpublish(id)
					_ = netsetup.Detach("vb" + id[:11])
				}
			}
			_ = netsetup.DisableNAT(n.Bridge)
			_ = netsetup.DeleteBridge(n.Bridge)
		}
	}
	unmountUnder(root)
}
