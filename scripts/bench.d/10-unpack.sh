# Layer unpack throughput: berth's secure extractor against GNU tar on the
# same uncompressed archive of a generated tree (~20k files, ~300 MB of mixed
# sizes), each into a fresh directory on the same filesystem.
src=$BENCH_WORK/unpack-src
tarball=$BENCH_WORK/unpack.tar
if [ ! -f "$tarball" ]; then
	mkdir -p "$src"
	# 200 directories of 100 files: most small, some of 64 KiB, one of 1 MiB.
	for d in $(seq 1 200); do
		mkdir -p "$src/d$d"
		for f in $(seq 1 100); do
			case $((f % 50)) in
				0) [ $f -eq 100 ] && head -c 1048576 /dev/urandom > "$src/d$d/f$f" || head -c 65536 /dev/urandom > "$src/d$d/f$f" ;;
				1|2|3|4|5) head -c 65536 /dev/urandom > "$src/d$d/f$f" ;;
				*) head -c $((f * 37)) /dev/urandom > "$src/d$d/f$f" ;;
			esac
		done
		ln -s f1 "$src/d$d/link"
	done
	tar -C "$src" -cf "$tarball" .
	rm -rf "$src"
fi
out=$BENCH_WORK/unpack-out
berth_ms=$(median_ms 5 "bash -c 'rm -rf $out; mkdir $out; $BERTH layer unpack $tarball $out 2>/dev/null'")
tar_ms=$(median_ms 5 "bash -c 'rm -rf $out; mkdir $out; tar -C $out --same-owner -xpf $tarball'")
rm -rf "$out"
size=$(du -m "$tarball" | cut -f1)
row "layer unpack, ${size} MB tar, 20k files (median of 5)" ms "$berth_ms" "GNU tar -xpf" "$tar_ms" "within 1.3x of tar"
