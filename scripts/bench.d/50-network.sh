# HTTP through a published port (127.0.0.1:PORT, DNAT in berth's nftables
# table `ip berth`) against the same server reached directly at the
# container's own address on the bridge. The server is a small static Go HTTP
# server with keep-alive, so wrk measures the network path and not a fork per
# connection. Traffic goes only to 127.0.0.1 and the container's address, for
# a bounded time (wrk -d5s, eight runs).
ensure_pkgs wrk
nw=$BENCH_WORK/network
mkdir -p "$nw/rootfs/bin" "$nw/rootfs/etc" "$nw/srv"
cp /bin/busybox "$nw/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$nw/rootfs/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$nw/rootfs/etc/passwd"
printf 'root:x:0:\n' >"$nw/rootfs/etc/group"
# The server answers every request with the same 1 KiB body.
cat >"$nw/srv/main.go" <<'EOF'
package main

import (
	"net/http"
	"os"
	"strconv"
)

func main() {
	body := make([]byte, 1024)
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})
	addr := ":8080"
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	if err := http.ListenAndServe(addr, nil); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
}
EOF
(cd "$nw/srv" && CGO_ENABLED=0 GOFLAGS= go build -o "$nw/rootfs/bin/httpserve" main.go)
tar -C "$nw/rootfs" -cf "$nw/busybox.tar" .
B="$BERTH --root $nw/root"
$B import "$nw/busybox.tar" bench-net >/dev/null
# A free port on 127.0.0.1 for the published side.
port=38080
while ss -Htln "sport = :$port" | grep -q .; do port=$((port + 1)); done
$B rm -f netbench >/dev/null 2>&1 || true
$B run -d --name netbench -p "127.0.0.1:$port:8080" bench-net /bin/httpserve >/dev/null
ip=$($B inspect --format '{{.NetworkSettings.IPAddress}}' netbench 2>/dev/null || true)
[ -n "$ip" ] && [ "$ip" != "<no value>" ] ||
	ip=$($B inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' netbench)
pub=http://127.0.0.1:$port/
dir=http://$ip:8080/
# Wait (up to 10 s) until both ways answer.
for url in "$dir" "$pub"; do
	for _ in $(seq 50); do
		wget -q -T 1 -O /dev/null "$url" 2>/dev/null && break
		sleep 0.2
	done
	wget -q -T 1 -O /dev/null "$url" || { echo "network: $url does not answer" >&2; $B rm -f netbench >/dev/null; exit 1; }
done
# wrk_run CONNS URL: "REQ_PER_SEC P50_US P99_US" from one wrk run of 5 s
# with CONNS connections (and as many threads as connections, up to two).
wrk_run() {
	local t=2
	(($1 < 2)) && t=1
	wrk -t"$t" -c"$1" -d5s --latency "$2" | awk '
		function us(v) {
			if (v ~ /us$/) return v + 0
			if (v ~ /ms$/) return v * 1000
			if (v ~ /s$/) return v * 1000000
			return v + 0
		}
		$1 == "50%" { p50 = us($2) }
		$1 == "99%" { p99 = us($2) }
		$1 == "Requests/sec:" { rps = $2 }
		END { printf "%.0f %.0f %.0f\n", rps, p50, p99 }'
}
# min VAR VALUE: VAR becomes VALUE when it is unset or larger.
min() { [ -n "${!1}" ] && ((${!1} <= $2)) || printf -v "$1" %s "$2"; }
# Alternate the two ways, twice each; keep each way's better run. Sixteen
# connections load both cores, so their p99 is mostly scheduling on a busy
# machine; one connection shows what a single request pays for the NAT path.
p_rps=0 d_rps=0 p_p99= d_p99= p_p50= d_p50= p_c1= d_c1=
for _ in 1 2; do
	read -r r _ l < <(wrk_run 16 "$pub")
	((r > p_rps)) && p_rps=$r
	min p_p99 "$l"
	read -r r _ l < <(wrk_run 16 "$dir")
	((r > d_rps)) && d_rps=$r
	min d_p99 "$l"
done
for _ in 1 2; do
	read -r _ m l < <(wrk_run 1 "$pub")
	min p_p50 "$m"
	min p_c1 "$l"
	read -r _ m l < <(wrk_run 1 "$dir")
	min d_p50 "$m"
	min d_c1 "$l"
done
$B rm -f netbench >/dev/null
row "published port throughput (wrk -c16, 1 KiB)" req/s "$p_rps" "direct to container" "$d_rps" ">= 0.95 of direct"
row "published port p99 latency (wrk -c16)" µs "$p_p99" "direct to container" "$d_p99" "< 50 µs added"
row "published port p99 latency (wrk -c1)" µs "$p_c1" "direct to container" "$d_c1" "< 50 µs added"
row "published port median latency (wrk -c1)" µs "$p_p50" "direct to container" "$d_p50" "< 50 µs added"
printf '| published port latency added (p99 -c16; p99 -c1; p50 -c1) | %s µs; %s µs; %s µs | | | | < 50 µs |\n' \
	"$((p_p99 - d_p99))" "$((p_c1 - d_c1))" "$((p_p50 - d_p50))"
