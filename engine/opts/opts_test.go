package opts

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseBytes(t *testing.T) {
	good := map[string]int64{"512": 512, "512b": 512, "64k": 64 << 10, "512m": 512 << 20, "512MB": 512 << 20,
		"1.5g": 3 << 29, "2GiB": 2 << 30, "1t": 1 << 40}
	for in, want := range good {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "m", "-1m", "12x", "1..2g"} {
		if _, err := ParseBytes(in); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", in)) {
			t.Errorf("ParseBytes(%q): %v; want an error naming the value", in, err)
		}
	}
}

func TestParseEnvAndEnvFile(t *testing.T) {
	t.Setenv("BERTH_FROM_HOST", "yes")
	got, err := ParseEnv([]string{"A=1", "B=", "BERTH_FROM_HOST", "BERTH_UNSET_XYZ", "C=x=y"})
	if err != nil || strings.Join(got, " ") != "A=1 B= BERTH_FROM_HOST=yes C=x=y" {
		t.Fatalf("ParseEnv = %q, %v", got, err)
	}
	if _, err := ParseEnv([]string{"=nokey"}); err == nil {
		t.Fatal("=nokey accepted")
	}
	path := filepath.Join(t.TempDir(), "env")
	os.WriteFile(path, []byte("# comment\n\nQ=\"quoted\"\n  INDENTED=1\nBERTH_FROM_HOST\n"), 0o644)
	got, err = ReadEnvFile(path)
	if err != nil || strings.Join(got, " ") != `Q="quoted" INDENTED=1 BERTH_FROM_HOST=yes` {
		t.Fatalf("ReadEnvFile = %q, %v", got, err)
	}
	os.WriteFile(path, []byte("OK=1\nBAD KEY=2\n"), 0o644)
	if _, err := ReadEnvFile(path); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("bad env file: %v; want the line named", err)
	}
	if _, err := ReadEnvFile(path + ".missing"); err == nil {
		t.Fatal("missing env file accepted")
	}
}

func TestParseRestart(t *testing.T) {
	for in, want := range map[string]string{"": "no/0", "no": "no/0", "always": "always/0", "unless-stopped": "unless-stopped/0",
		"on-failure": "on-failure/0", "on-failure:3": "on-failure/3"} {
		p, err := ParseRestart(in)
		if err != nil || fmt.Sprintf("%s/%d", p.Name, p.MaxRetries) != want {
			t.Errorf("ParseRestart(%q) = %+v, %v", in, p, err)
		}
	}
	for _, in := range []string{"sometimes", "always:2", "on-failure:x", "on-failure:-1"} {
		if _, err := ParseRestart(in); err == nil {
			t.Errorf("ParseRestart(%q) accepted", in)
		}
	}
}

func TestParseVolume(t *testing.T) {
	cases := map[string]string{
		"/data":                  "volume  /data false",
		"cache:/var/cache":       "volume cache /var/cache false",
		"/srv/www:/usr/share:ro": "bind /srv/www /usr/share true",
		"/srv:/srv/:rw,rshared":  "bind /srv /srv false",
	}
	for in, want := range cases {
		m, err := ParseVolume(in)
		if err != nil || fmt.Sprintf("%s %s %s %v", m.Type, m.Source, m.Target, m.ReadOnly) != want {
			t.Errorf("ParseVolume(%q) = %+v, %v; want %s", in, m, err, want)
		}
	}
	rel, err := ParseVolume("./site:/www")
	if err != nil || !filepath.IsAbs(rel.Source) || rel.Type != "bind" {
		t.Errorf("relative bind: %+v, %v", rel, err)
	}
	for _, in := range []string{"a:b:c:d", "vol:relative", ":/x", "/a:/b:bogus"} {
		if _, err := ParseVolume(in); err == nil || !strings.Contains(err.Error(), in) {
			t.Errorf("ParseVolume(%q): %v; want an error naming it", in, err)
		}
	}
}

func TestParseMountAndTmpfs(t *testing.T) {
	dir := t.TempDir()
	m, err := ParseMount("type=bind,src=" + dir + ",dst=/app,readonly")
	if err != nil || m.Type != "bind" || m.Source != dir || m.Target != "/app" || !m.ReadOnly {
		t.Fatalf("bind mount: %+v, %v", m, err)
	}
	m, err = ParseMount("type=tmpfs,target=/run,tmpfs-size=64m,tmpfs-mode=1777")
	if err != nil || strings.Join(m.Options, ",") != "size=67108864,mode=1777" {
		t.Fatalf("tmpfs mount: %+v, %v", m, err)
	}
	for _, in := range []string{"type=nfs,target=/x", "type=bind,src=/does/not/exist,dst=/x", "type=volume,src=v", "type=tmpfs,src=x,dst=/t", "color=red,dst=/x"} {
		if _, err := ParseMount(in); err == nil {
			t.Errorf("ParseMount(%q) accepted", in)
		}
	}
	tm, err := ParseTmpfs("/tmp:rw,size=1g,noexec")
	if err != nil || tm.Target != "/tmp" || strings.Join(tm.Options, ",") != "rw,size=1073741824,noexec" {
		t.Fatalf("ParseTmpfs: %+v, %v", tm, err)
	}
	if _, err := ParseTmpfs("tmp"); err == nil {
		t.Fatal("relative tmpfs target accepted")
	}
}

func TestParseCPUsAndLabels(t *testing.T) {
	if f, err := ParseCPUs("1.5"); err != nil || f != 1.5 {
		t.Fatalf("1.5: %v %v", f, err)
	}
	for _, in := range []string{"0", "-1", "two"} {
		if _, err := ParseCPUs(in); err == nil {
			t.Errorf("ParseCPUs(%q) accepted", in)
		}
	}
	l, err := ParseLabels([]string{"a=1", "flag", "b=x=y"})
	if err != nil || l["a"] != "1" || l["flag"] != "" || l["b"] != "x=y" || len(l) != 3 {
		t.Fatalf("labels %v %v", l, err)
	}
	if _, err := ParseLabels([]string{"=v"}); err == nil {
		t.Fatal("=v accepted")
	}
}

func TestHostDNSSysctlUlimitExpose(t *testing.T) {
	for in, want := range map[string]string{"db:10.0.0.1": "db:10.0.0.1", "db=10.0.0.1": "db:10.0.0.1",
		"v6:[::1]": "v6:::1", "gw:host-gateway": "gw:host-gateway"} {
		if got, err := ParseExtraHost(in); err != nil || got != want {
			t.Errorf("ParseExtraHost(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"db", ":10.0.0.1", "db:10.0.0", "db:"} {
		if _, err := ParseExtraHost(bad); err == nil {
			t.Errorf("ParseExtraHost(%q) took a bad value", bad)
		}
	}
	if _, err := ParseSysctls([]string{"kernel.hostname=x"}); err == nil {
		t.Error("a host sysctl was allowed")
	}
	if m, err := ParseSysctls([]string{"net/ipv4/ip_forward=1", "fs.mqueue.msg_max=20"}); err != nil || m["net.ipv4.ip_forward"] != "1" || m["fs.mqueue.msg_max"] != "20" {
		t.Errorf("ParseSysctls = %v, %v", m, err)
	}
	u, err := ParseUlimit("nofile=100:200")
	if err != nil || u.Type != "RLIMIT_NOFILE" || u.Soft != 100 || u.Hard != 200 {
		t.Errorf("ParseUlimit = %+v, %v", u, err)
	}
	if u, err := ParseUlimit("core=-1"); err != nil || u.Soft != u.Hard || u.Hard != ^uint64(0) {
		t.Errorf("ParseUlimit(core=-1) = %+v, %v", u, err)
	}
	for _, bad := range []string{"nofile", "nofile=a", "nofile=3:2", "files=1"} {
		if _, err := ParseUlimit(bad); err == nil {
			t.Errorf("ParseUlimit(%q) took a bad value", bad)
		}
	}
	if p, err := ParseExpose("80-82/udp"); err != nil || len(p) != 3 || p[2] != "82/udp" {
		t.Errorf("ParseExpose = %v, %v", p, err)
	}
	for _, bad := range []string{"0", "9-8", "80/icmp", "x"} {
		if _, err := ParseExpose(bad); err == nil {
			t.Errorf("ParseExpose(%q) took a bad value", bad)
		}
	}
}
