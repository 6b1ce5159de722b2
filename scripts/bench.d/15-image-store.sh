# The image store: load and save of a docker archive (busybox plus 64 MB of
# incompressible files in one layer), berth against podman on a throw-away
# store. podman also unpacks the layer on load; berth stores content only
# (unpacking happens once per chain ID when a container first needs it).
ensure_pkgs podman
src=$BENCH_WORK/store-rootfs
mkdir -p "$src/bin" "$src/data"
cp /bin/busybox "$src/bin/busybox"
for i in $(seq 1 16); do head -c 4M /dev/urandom >"$src/data/blob$i"; done
tar -C "$src" -cf "$BENCH_WORK/store-rootfs.tar" .
pod() { podman --root "$BENCH_WORK/pr" --runroot "$BENCH_WORK/prr" --storage-driver vfs \
	--runtime /usr/local/bin/crun-norlimit --cgroup-manager cgroupfs --events-backend none "$@"; }
archive=$BENCH_WORK/store.tar
"$BERTH" --root "$BENCH_WORK/br" import "$BENCH_WORK/store-rootfs.tar" bench/store:v1 >/dev/null
"$BERTH" --root "$BENCH_WORK/br" save -o "$archive" bench/store:v1
cat >"$BENCH_WORK/store-load-berth.sh" <<SH
rm -rf "$BENCH_WORK/bl"
"$BERTH" --root "$BENCH_WORK/bl" load -i "$archive" >/dev/null
SH
cat >"$BENCH_WORK/store-load-podman.sh" <<SH
podman --root "$BENCH_WORK/pl" --runroot "$BENCH_WORK/plr" --storage-driver vfs system reset --force >/dev/null 2>&1
podman --root "$BENCH_WORK/pl" --runroot "$BENCH_WORK/plr" --storage-driver vfs --events-backend none load -i "$archive" >/dev/null 2>&1
SH
pod load -i "$archive" >/dev/null 2>&1
berth_load=$(median_ms 5 "bash $BENCH_WORK/store-load-berth.sh")
podman_load=$(median_ms 5 "bash $BENCH_WORK/store-load-podman.sh")
berth_save=$(median_ms 5 "$BERTH --root $BENCH_WORK/br save -o $BENCH_WORK/bs.tar bench/store:v1")
podman_save=$(median_ms 5 "podman --root $BENCH_WORK/pr --runroot $BENCH_WORK/prr --storage-driver vfs --events-backend none save -o $BENCH_WORK/ps.tar bench/store:v1 >/dev/null 2>&1; rm -f $BENCH_WORK/ps.tar")
row "image load, 66 MB docker archive" ms "$berth_load" "podman load" "$podman_load" "no slower (ratio <= 1)"
row "image save, 66 MB docker archive" ms "$berth_save" "podman save" "$podman_save" "no slower (ratio <= 1)"
pod system reset --force >/dev/null 2>&1 || true
podman --root "$BENCH_WORK/pl" --runroot "$BENCH_WORK/plr" --storage-driver vfs system reset --force >/dev/null 2>&1 || true
rm -rf "$src" "$BENCH_WORK/store-rootfs.tar" "$archive" "$BENCH_WORK/bs.tar" "$BENCH_WORK/br" "$BENCH_WORK/bl"
