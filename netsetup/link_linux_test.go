package netsetup

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
)

// TestAttachAndDetach puts a namespace made by the test on a bridge and
// checks eth0, the route and that the host reaches the address.
func TestAttachAndDetach(t *testing.T) {
	tag := os.Getpid() % 100000
	bridge, veth, ns := fmt.Sprintf("bt%d", tag), fmt.Sprintf("vt%d", tag), fmt.Sprintf("berth-test-%d", tag)
	subnet := netip.MustParsePrefix("10.231.77.0/24")
	gw := netip.MustParsePrefix("10.231.77.1/24")
	addr := netip.MustParsePrefix("10.231.77.2/24")
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	for _, r := range strings.Split(run("ip", "-4", "route"), "\n") {
		if strings.HasPrefix(r, subnet.String()) {
			t.Fatalf("the host already routes %s; the test needs it free", subnet)
		}
	}
	run("ip", "netns", "add", ns)
	t.Cleanup(func() {
		exec.Command("ip", "netns", "del", ns).Run()
		if l, err := netlink.LinkByName(bridge); err == nil {
			netlink.LinkDel(l)
		}
	})
	if err := EnsureBridge(bridge, gw, 1500); err != nil {
		t.Fatal(err)
	}
	if err := EnsureBridge(bridge, gw, 1500); err != nil {
		t.Fatalf("a second EnsureBridge: %v", err)
	}
	ep := Endpoint{Bridge: bridge, HostVeth: veth, NetNS: "/run/netns/" + ns, Addr: addr, Gateway: gw.Addr(), MTU: 1500, DefaultRoute: true}
	if err := Attach(ep); err != nil {
		t.Fatal(err)
	}
	inside := run("ip", "-n", ns, "addr", "show", "eth0")
	if !strings.Contains(inside, "10.231.77.2/24") || !strings.Contains(inside, "02:42:0a:e7:4d:02") {
		t.Fatalf("eth0 in the namespace:\n%s", inside)
	}
	if r := run("ip", "-n", ns, "route"); !strings.Contains(r, "default via 10.231.77.1 dev eth0") {
		t.Fatalf("routes in the namespace:\n%s", r)
	}
	if !strings.Contains(run("ip", "-n", ns, "link", "show", "lo"), "UP") {
		t.Fatal("lo is down in the namespace")
	}
	// One bounded ping to an address inside the namespace the test made.
	run("ping", "-c", "1", "-W", "2", addr.Addr().String())
	if err := Detach(veth); err != nil {
		t.Fatal(err)
	}
	if _, err := netlink.LinkByName(veth); err == nil {
		t.Fatal("the host veth is still there after Detach")
	}
	if err := Detach(veth); err != nil {
		t.Fatalf("detaching twice: %v", err)
	}
	// A failing attach leaves no veth behind.
	bad := ep
	bad.NetNS = "/run/netns/berth-test-missing"
	if err := Attach(bad); err == nil {
		t.Fatal("attaching to a missing namespace succeeded")
	}
	if _, err := netlink.LinkByName(veth); err == nil {
		t.Fatal("a failed attach left its veth on the host")
	}
}
