# The cost of one container's stats sample (cpu, throttling, memory, pids,
# io; pressure on v2) through engine/runner/cgroups, against runc's cgroup
# library reading the same cgroup (BenchmarkStats and
# BenchmarkStatsRuncLibrary). A hundred containers sampled every second cost
# a hundred samples a second.
stats_us() {
	(cd "$BERTH_TOP" && go test ./engine/runner/cgroups/ -run '^$' -bench "^$1\$" -count 5 2>/dev/null) |
		awk -v b="$1" '$1 ~ "^"b"(-[0-9]+)?$" { print $3 / 1e3 }' | sort -n |
		awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] }'
}
berth_us=$(stats_us BenchmarkStats)
runc_us=$(stats_us BenchmarkStatsRuncLibrary)
row "cgroup stats sample, 1 container" µs "$berth_us" "runc cgroups lib" "$runc_us" "100 containers/s under 2% of a core (< 200 µs)"
