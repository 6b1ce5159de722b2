package engineview

import (
	"fmt"
	"strings"

	"github.com/berth-dev/berth/netsetup"
	"github.com/berth-dev/berth/tui/data"
)

// portTraffic reads the counters of the ports published to the container
// with this ID or address from berth's nftables table. Without the rights
// to read the table there are none to show.
func portTraffic(id, ip string) []data.PortTraffic {
	ms, err := netsetup.Mappings()
	if err != nil {
		return nil
	}
	addr, _, _ := strings.Cut(ip, "/")
	var out []data.PortTraffic
	for _, m := range ms {
		if m.Container != id && (m.Container == "" || !strings.HasPrefix(id, m.Container)) && m.Addr.String() != addr {
			continue
		}
		out = append(out, data.PortTraffic{
			Port:        fmt.Sprintf("%d->%d/%s", m.HostPort, m.ContainerPort, m.Protocol),
			Connections: m.Packets, Bytes: m.Bytes,
		})
	}
	return out
}
