package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/netsetup"
)

// The attach of a container that joins networks runs while its rootfs is
// prepared, and writes its /etc/hosts with its peers: Files, which writes
// the hosts too, must not undo that whichever comes first. A container on
// no network has only Files to write its hosts, stale ones included.
func TestFilesLeaveTheAttachsHosts(t *testing.T) {
	root := t.TempDir()
	nets, err := netsetup.OpenStore(filepath.Join(root, NetworksDir))
	if err != nil {
		t.Fatal(err)
	}
	n := &Networker{Networks: nets}
	const peers = "10.88.0.3\tapp\n10.88.0.2\tdb database\n"
	for _, tc := range []struct {
		mode      string
		keepPeers bool
	}{{"front", true}, {"none", false}, {"host", false}} {
		dir := t.TempDir()
		rec := &container.Record{ID: strings.Repeat("a", 64), Name: "app", Config: container.Config{NetworkMode: tc.mode, ExtraHosts: []string{"extra:10.1.2.3"}}}
		hosts := filepath.Join(dir, "hosts")

		// Files first: the hosts are made, with the --add-host entries.
		if _, err := n.Files(rec, dir); err != nil {
			t.Fatalf("%s: %v", tc.mode, err)
		}
		if b, _ := os.ReadFile(hosts); !strings.Contains(string(b), "10.1.2.3\textra") {
			t.Errorf("%s: hosts made by Files lack --add-host's entry:\n%s", tc.mode, b)
		}
		// The attach first (or a start after an earlier one).
		if err := os.WriteFile(hosts, []byte(peers), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := n.Files(rec, dir); err != nil {
			t.Fatalf("%s: %v", tc.mode, err)
		}
		b, _ := os.ReadFile(hosts)
		if got := string(b) == peers; got != tc.keepPeers {
			t.Errorf("--network %s: hosts after Files:\n%s\nwant the attach's kept: %v", tc.mode, b, tc.keepPeers)
		}
		if _, err := os.Stat(hosts + ".new"); !os.IsNotExist(err) {
			t.Errorf("%s: Files left its temporary file: %v", tc.mode, err)
		}
	}
}
