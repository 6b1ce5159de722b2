# berth image analyze against dive's CI analysis of the same docker archive:
# two layers, 100,000 files, about 1 GB, made by scripts/gen-analyze-image.
# Cold: berth reads the archive from scratch with an empty root (no layer
# index cached); warm: the same command once the indexes are cached. Peak
# RSS from /usr/bin/time. dive is the peer (go install, not vendored).
dive=$(command -v dive || echo /root/go/bin/dive)
if [ ! -x "$dive" ]; then
	(cd /tmp && GOFLAGS= go install github.com/wagoodman/dive/cmd/dive@latest) >&2 || {
		echo "| analyze | dive could not be installed | | | | |"
		return 0
	}
	dive=/root/go/bin/dive
fi
ensure_pkgs time
archive=$BENCH_WORK/analyze.tar
(cd "$BERTH_TOP" && go run ./scripts/gen-analyze-image "$archive") >&2
root=$BENCH_WORK/analyze-root
# Both tools exit 1 when their default CI rules fail; the wrappers time the
# analysis, not the verdict.
cat >"$BENCH_WORK/analyze-cold.sh" <<SH
rm -rf "$root"
"$BERTH" --root "$root" image analyze --ci docker-archive:"$archive" >/dev/null
exit 0
SH
cat >"$BENCH_WORK/analyze-warm.sh" <<SH
"$BERTH" --root "$root" image analyze --ci docker-archive:"$archive" >/dev/null
exit 0
SH
cat >"$BENCH_WORK/analyze-dive.sh" <<SH
"$dive" --ci --source docker-archive "$archive" >/dev/null 2>&1
exit 0
SH
# The same figures, or the comparison means nothing.
b=$("$BERTH" --root "$root" image analyze --json docker-archive:"$archive" | jq -r '"\(.wastedBytes) \(.efficiency * 10000 | round)"')
d=$("$dive" --ci --source docker-archive "$archive" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' |
	awk '/efficiency:/ { e = $2 } /wastedBytes:/ { w = $2 } END { printf "%s %d", w, e * 100 + 0.5 }')
if [ "$b" != "$d" ]; then
	echo "| analyze | figures differ: berth $b, dive $d | | | | |"
	return 0
fi
dive_ms=$(median_ms 3 "bash $BENCH_WORK/analyze-dive.sh")
cold_ms=$(median_ms 5 "bash $BENCH_WORK/analyze-cold.sh")
warm_ms=$(median_ms 5 "bash $BENCH_WORK/analyze-warm.sh")
rss_mb() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1 | awk '{ printf "%.1f", $1 / 1024 }'; }
rm -rf "$root"
cold_rss=$(rss_mb "$BERTH" --root "$root" image analyze docker-archive:"$archive")
warm_rss=$(rss_mb "$BERTH" --root "$root" image analyze docker-archive:"$archive")
dive_rss=$(rss_mb "$dive" --ci --source docker-archive "$archive" --lowestEfficiency 0 --highestUserWastedPercent 1)
row "analyze 100k files 1 GB, cold" ms "$cold_ms" "dive --ci" "$dive_ms" "3x faster (ratio <= 0.333)"
row "analyze 100k files 1 GB, cached" ms "$warm_ms" "dive --ci" "$dive_ms" "the layer pane redraws from it"
row "analyze peak RSS, cold" MB "$cold_rss" "dive --ci" "$dive_rss" "no more memory (ratio <= 1)"
row "analyze peak RSS, cached" MB "$warm_rss" "dive --ci" "$dive_rss" "no more memory (ratio <= 1)"
rm -f "$archive"
