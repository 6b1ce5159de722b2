# The dev loop, timed as its user feels it: from a file written to the new
# content served on the published port. berth dev syncs (the demo's sync
# rule) or rebuilds the COPY layer and swaps the container (a rebuild
# rule); the peer is the loop people run by hand: podman build, then
# podman run in place of the old container.
dw=$BENCH_WORK/dev
mkdir -p "$dw/rootfs/bin" "$dw/rootfs/etc"
cp /bin/busybox "$dw/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$dw/rootfs/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$dw/rootfs/etc/passwd"
printf 'root:x:0:\n' >"$dw/rootfs/etc/group"
tar -C "$dw/rootfs" -cf "$dw/busybox.tar" .
(cd "$BERTH_TOP" && go build -o "$dw/devprobe" ./scripts/devprobe)
B="$BERTH --root $dw/root"
$B import "$dw/busybox.tar" busybox:demo >/dev/null

# app DIR PORT ACTION: the demo app on PORT, its site/ rule set to ACTION.
app() {
	cp -r "$BERTH_TOP/testdata/devapp" "$1"
	sed -i "s/8080:8080/$2:8080/; s/action: sync/action: $3/; /target: \/srv/d" "$1/compose.yaml"
	[ "$3" = sync ] && sed -i 's|action: sync|action: sync\n          target: /srv|' "$1/compose.yaml"
	return 0
}
# dev_loop DIR PORT N: start berth dev on DIR, time N changes, stop it.
dev_loop() {
	$B dev --no-logs "$1" >"$1.log" 2>&1 &
	local pid=$! out
	for _ in $(seq 200); do grep -q '^watching' "$1.log" && break; sleep 0.1; done
	out=$("$dw/devprobe" -file "$1/site/index.html" -url "http://127.0.0.1:$2/" -n "$3" | cut -d' ' -f1)
	kill -INT "$pid"
	wait "$pid" || true
	echo "$out"
}
app "$dw/sync" 18501 sync
app "$dw/rebuild" 18502 rebuild
b_sync=$(dev_loop "$dw/sync" 18501 20)
b_rebuild=$(dev_loop "$dw/rebuild" 18502 10)

P="podman --root $dw/podman-root --runroot $dw/podman-run --runtime /usr/local/bin/crun-norlimit"
$P import "$dw/busybox.tar" busybox:demo >/dev/null 2>&1
cp -r "$BERTH_TOP/testdata/devapp" "$dw/manual"
manual="$P build -q -t devapp $dw/manual && $P rm -f -t 0 devapp && $P run -d --name devapp -p 18503:8080 devapp"
p_loop=$(sh -c "$manual" >/dev/null 2>&1 && "$dw/devprobe" -file "$dw/manual/site/index.html" -url http://127.0.0.1:18503/ -n 5 -cmd "$manual" | cut -d' ' -f1) || p_loop=
$P rm -f -t 0 devapp >/dev/null 2>&1 || true
if [ -n "$p_loop" ]; then
	row "dev loop: change served, sync" ms "$b_sync" "podman build+run" "$p_loop" "< 100 ms p50, 10x faster (0.1)"
	row "dev loop: change served, rebuild COPY layer" ms "$b_rebuild" "podman build+run" "$p_loop" "< 400 ms p50, 10x faster (0.1)"
else
	echo "| dev loop: change served, sync | $b_sync ms | podman build+run | failed | | < 100 ms p50 |"
	echo "| dev loop: change served, rebuild COPY layer | $b_rebuild ms | podman build+run | failed | | < 400 ms p50 |"
fi
