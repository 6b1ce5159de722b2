# The workbench's frame time: one frame of the Containers pane with 500
# containers and 200 images at 200x60, a stats sample applied before each
# frame (BenchmarkFrame in tui/). No peer draws frames in-process to compare.
frame_ms=$(cd "$BERTH_TOP" && go test ./tui/ -run '^$' -bench '^BenchmarkFrame$' -count 5 2>/dev/null |
	awk '/^BenchmarkFrame/ { print $3 / 1e6 }' | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] }')
row "tui frame, 500 containers 200x60" ms "$frame_ms" "-" 0 "under 4 ms"
