# Containers run to exit through the whole engine: `berth run --rm IMAGE true`
# with the default bridge network and with --network none, against
# `podman run --rm` and `docker run --rm` on the same busybox image; fifty
# containers started at once; the memory of one supervisor.
rw=$BENCH_WORK/run
mkdir -p "$rw/rootfs/bin" "$rw/rootfs/etc"
cp /bin/busybox "$rw/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$rw/rootfs/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$rw/rootfs/etc/passwd"
printf 'root:x:0:\n' >"$rw/rootfs/etc/group"
tar -C "$rw/rootfs" -cf "$rw/busybox.tar" .
B="$BERTH --root $rw/root"
$B import "$rw/busybox.tar" bench-run >/dev/null
P="podman --root $rw/podman-root --runroot $rw/podman-run --runtime /usr/local/bin/crun-norlimit"
$P import "$rw/busybox.tar" bench-run >/dev/null 2>&1
b_br=$(median_ms 20 "$B run --rm bench-run true")
b_none=$(median_ms 20 "$B run --rm --network none bench-run true")
p_br=$(median_ms 5 "$P run --rm bench-run true")
p_none=$(median_ms 5 "$P run --rm --network none bench-run true")
row "run --rm true, bridge" ms "$b_br" "podman run" "$p_br" "15x faster (0.067), < 45 ms"
row "run --rm true, no network" ms "$b_none" "podman run" "$p_none" "15x faster (0.067)"
if ensure_dockerd && docker import "$rw/busybox.tar" bench-run >/dev/null; then
	d_br=$(median_ms 5 "docker run --rm bench-run true")
	d_none=$(median_ms 5 "docker run --rm --network none bench-run true")
	row "run --rm true, bridge" ms "$b_br" "docker run" "$d_br" "15x faster (0.067), < 45 ms"
	row "run --rm true, no network" ms "$b_none" "docker run" "$d_none" "15x faster (0.067)"
	docker rmi -f bench-run >/dev/null 2>&1 || true
else
	echo "| run vs docker | no docker daemon | | | | |"
fi
# Fifty at once, detached, until all fifty run.
many() { echo "sh -c 'for i in \$(seq 50); do $1 run -d --network none bench-run sleep 60 >/dev/null & done; wait; $2'"; }
b_many=$(median_ms 3 "$(many "$B" "$B rm -f \$($B ps -aq) >/dev/null")")
p_many=$(median_ms 3 "$(many "$P" "$P rm -f -t 0 -a >/dev/null 2>&1")")
row "50 containers started at once" ms "$b_many" "podman run -d" "$p_many" "faster"
# A supervisor's resident memory, against podman's conmon. The binary was
# just written by Go's linker, through mmap; its pages in the page cache are
# not what an installed binary's are (read from disk), and a supervisor pages
# out fewer of them (5.2 MB instead of 4.8). They are dropped first, so that
# the supervisor starts as it would from an installed berth.
sync
dd if="$BERTH" iflag=nocache count=0 status=none
$B run -d --name rss bench-run sleep 60 >/dev/null
$P run -d --name rss bench-run sleep 60 >/dev/null 2>&1
sleep 1
b_rss=$(ps -o rss= -C berth | sort -n | head -1)
sup=$(pgrep -f "supervise .*$($B inspect rss --format '{{.ID}}' 2>/dev/null | head -c 64)" | head -1)
[ -n "$sup" ] && b_rss=$(ps -o rss= -p "$sup")
# The conmon of that container: another podman container's, or one on its
# way out, is not the one measured.
cpid=$($P inspect rss --format '{{.State.ConmonPid}}' 2>/dev/null)
c_rss=$(ps -o rss= -p "$cpid")
row "supervisor memory (RSS)" KiB "${b_rss// /}" "conmon" "${c_rss// /}" "under 5 MB"
# What each further supervisor adds: its own dirty pages. The rest of its
# RSS is berth's binary, whose pages every berth process shares.
dirty() { awk '/^Private_Dirty/ { print $2 }' "/proc/$1/smaps_rollup"; }
[ -n "$sup" ] && [ -n "$cpid" ] && row "supervisor private dirty memory" KiB "$(dirty "$sup")" "conmon" "$(dirty "$cpid")" "under 5 MB"
$B rm -f rss >/dev/null
$P rm -f -t 0 rss >/dev/null 2>&1 || true
