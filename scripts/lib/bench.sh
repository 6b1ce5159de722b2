# Helpers for scripts/bench.d/*.sh: time commands with hyperfine and print
# table rows that set berth beside its peer, measured in the same run.

# median_ms RUNS COMMAND: the median wall time of COMMAND (a shell string) in
# milliseconds over RUNS runs after one warm-up run.
median_ms() {
	local runs=$1 cmd=$2 json
	json=$(mktemp)
	hyperfine -N --style none --warmup 1 --runs "$runs" --export-json "$json" "$cmd" >/dev/null 2>&1 ||
		hyperfine --style none --warmup 1 --runs "$runs" --export-json "$json" "$cmd" >/dev/null
	jq -r '.results[0].median * 1000 | . * 100 | round / 100' "$json"
	rm -f "$json"
}

# row BENCHMARK UNIT BERTH PEER_NAME PEER_VALUE GOAL: one line of the table.
# The ratio is berth's figure divided by the peer's; for times, below 1 means
# berth is faster (0.25 = four times faster).
row() {
	local name=$1 unit=$2 berth=$3 peer=$4 peerv=$5 goal=$6 ratio
	ratio=$(awk -v a="$berth" -v b="$peerv" 'BEGIN { if (b+0 == 0) print "-"; else printf "%.3f", a / b }')
	printf '| %s | %s %s | %s | %s %s | %s | %s |\n' "$name" "$berth" "$unit" "$peer" "$peerv" "$unit" "$ratio" "$goal"
}

# ensure_dockerd starts Debian's dockerd when it is installed but not
# running, for the rows that compare with docker, and waits (up to 30 s)
# until it answers. It returns non-zero when there is no docker to use.
ensure_dockerd() {
	docker info >/dev/null 2>&1 && return 0
	command -v dockerd >/dev/null || return 1
	(nohup dockerd >"$BENCH_WORK/dockerd.log" 2>&1 &)
	: >"$BENCH_WORK/dockerd.started" # stopped when the benchmarks end
	for _ in $(seq 60); do
		docker info >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}
