# The OCI runtime alone: one prepared bundle (a busybox rootfs, docker's
# default config from `berth runtime spec`, running /bin/true) run to exit by
# `berth runtime run`, `crun run` and `runc run`, each with a fresh ID.
rw=$BENCH_WORK/runtime
mkdir -p "$rw/bundle/rootfs/bin" "$rw/bundle/rootfs/etc"
cp /bin/busybox "$rw/bundle/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$rw/bundle/rootfs/bin/$a"; done
(cd "$rw/bundle" && "$BERTH" --root "$rw/root" runtime spec)
# ociVersion 1.0.2, which every runtime here accepts.
jq '.ociVersion = "1.0.2" | .process.terminal = false | .process.args = ["/bin/true"]' \
	"$rw/bundle/config.json" >"$rw/config.json" && mv "$rw/config.json" "$rw/bundle/config.json"
cat >"$rw/run.sh" <<SH
#!/bin/sh
# \$1: the runtime's command line prefix; a fresh container ID each time.
id=bench\$\$-\$(date +%s%N)
cd $rw/bundle && exec \$1 run \$id
SH
chmod +x "$rw/run.sh"
b=$(median_ms 30 "$rw/run.sh '$BERTH --root $rw/root runtime'")
c=$(median_ms 30 "$rw/run.sh 'crun --root $rw/crun'")
r=$(median_ms 30 "$rw/run.sh 'runc --root $rw/runc'")
row "runtime run /bin/true" ms "$b" "crun run" "$c" "at or below crun (≤ 1.0)"
row "runtime run /bin/true" ms "$b" "runc run" "$r" "faster than runc"
