# Building an image: the same Dockerfile and context (a busybox base, a COPY of
# 300 small files and one of a 5 MB file, a RUN, then metadata) built by
# berth, podman build and docker build (the classic builder): a cold build, a
# rebuild with no change, and a rebuild after one file's content changed
# (which runs the RUN again).
bw=$BENCH_WORK/build
ctx=$bw/ctx
mkdir -p "$ctx" "$bw/rootfs/bin" "$bw/rootfs/etc" "$bw/base"
cp /bin/busybox "$bw/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$bw/rootfs/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$bw/rootfs/etc/passwd"
printf 'root:x:0:\n' >"$bw/rootfs/etc/group"
tar -C "$bw/rootfs" -cf "$bw/base/busybox.tar" .
for i in $(seq 0 299); do
	mkdir -p "$ctx/src/d$((i % 10))"
	echo "file $i" >"$ctx/src/d$((i % 10))/f$i.txt"
done
head -c 5000000 /dev/urandom >"$ctx/big.bin"
cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM bench-busybox
COPY src /src
COPY big.bin /big.bin
RUN ls /src | wc -l > /count.txt && cat /src/d0/f0.txt > /first.txt
ENV APP=/src
WORKDIR /src
CMD ["sh"]
DOCKERFILE

# The base: berth makes it with ADD of the rootfs tar, the peers import it.
broot=$bw/berth-root
printf 'FROM scratch\nADD busybox.tar /\n' >"$bw/base/Dockerfile"
"$BERTH" --root "$broot" build -q -t bench-busybox "$bw/base" >/dev/null
P="podman --root $bw/podman-root --runroot $bw/podman-run --runtime /usr/local/bin/crun-norlimit"
$P import "$bw/base/busybox.tar" bench-busybox >/dev/null 2>&1

change() { echo "sh -c 'date +%s%N >$ctx/src/d0/f0.txt && $1'"; }
B="$BERTH --root $broot build -q -t bench-out $ctx"
b_cold=$(median_ms 5 "$B --no-cache")
b_warm=$(median_ms 10 "$B")
b_change=$(median_ms 10 "$(change "$B")")
PB="$P build -q -t bench-out $ctx"
p_cold=$(median_ms 3 "$PB --no-cache")
p_warm=$(median_ms 5 "$PB")
p_change=$(median_ms 5 "$(change "$PB")")
row "build, cold" ms "$b_cold" "podman build" "$p_cold" "10x faster (0.1)"
row "build, no change" ms "$b_warm" "podman build" "$p_warm" "25x faster (0.04)"
row "build, one file changed" ms "$b_change" "podman build" "$p_change" "faster"
if ensure_dockerd && docker import "$bw/base/busybox.tar" bench-busybox >/dev/null; then
	DB="env DOCKER_BUILDKIT=0 docker build -q -t bench-out $ctx"
	d_cold=$(median_ms 3 "$DB --no-cache")
	d_warm=$(median_ms 5 "$DB")
	d_change=$(median_ms 5 "$(change "$DB")")
	row "build, cold" ms "$b_cold" "docker build (classic)" "$d_cold" "8x faster (0.125)"
	row "build, no change" ms "$b_warm" "docker build (classic)" "$d_warm" "8x faster (0.125)"
	row "build, one file changed" ms "$b_change" "docker build (classic)" "$d_change" "faster"
	docker rmi -f bench-out bench-busybox >/dev/null 2>&1 || true
else
	echo "| build vs docker | no docker daemon | | | | |"
fi
