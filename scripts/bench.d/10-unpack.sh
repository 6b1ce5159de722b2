# Layer unpack throughput: berth's secure extractor against GNU tar on the
# same uncompressed archive of a generated tree (~20k files, ~400 MB of mixed
# sizes), each into a fresh directory on the same filesystem.
src=$BENCH_WORK/unpack-src
tarball=$BENCH_WORK/unpack.tar
if [ ! -f "$tarball" ]; then
	(cd "$BERTH_TOP" && go run ./scripts/gen-unpack-tree "$src")
	tar -C "$src" -cf "$tarball" .
	rm -rf "$src"
fi
out=$BENCH_WORK/unpack-out
berth_ms=$(median_ms 5 "bash -c 'rm -rf $out; mkdir $out; $BERTH layer unpack $tarball $out 2>/dev/null'")
tar_ms=$(median_ms 5 "bash -c 'rm -rf $out; mkdir $out; tar -C $out --same-owner -xpf $tarball'")
rm -rf "$out"
size=$(du -m "$tarball" | cut -f1)
row "layer unpack, ${size} MB tar, 20k files (median of 5)" ms "$berth_ms" "GNU tar -xpf" "$tar_ms" "within 1.3x of tar"
