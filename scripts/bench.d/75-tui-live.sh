# The live workbench against lazydocker, each over twenty running containers
# (`sleep 3600`, --network none) at a one-second refresh (the default of
# both), in tmux at 200x60:
#   - time to first frame: from starting the program until a container's
#     name is on the screen, polled every ~2 ms; median of 5 launches after
#     one warm-up, nothing subtracted;
#   - idle CPU: 30 s after start, utime+stime over a 20 s window, as % of
#     one core, of the UI process alone; berth's per-container supervisors
#     are set beside docker's containerd shims, and dockerd (with its
#     containerd) is counted by what it spends beyond its idle baseline
#     while lazydocker asks it for stats;
#   - resident memory (VmRSS) at the end of that window; for the twenty
#     supervisors and shims, their summed PSS, which counts the pages of
#     the binary they share once.
# lazydocker comes from PATH or `go install`; without it, or without a
# docker daemon, the peer's columns say so.
lw=$BENCH_WORK/tui-live
mkdir -p "$lw/rootfs/bin" "$lw/rootfs/etc" "$lw/config"
cp /bin/busybox "$lw/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$lw/rootfs/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$lw/rootfs/etc/passwd"
printf 'root:x:0:\n' >"$lw/rootfs/etc/group"
tar -C "$lw/rootfs" -cf "$lw/busybox.tar" .
ensure_pkgs tmux

# Both programs get an empty configuration directory: their defaults.
export XDG_CONFIG_HOME=$lw/config
tm() { tmux -L "berth-bench-$$" "$@"; }
tclk=$(getconf CLK_TCK)
now_ns() { date +%s%N; }

# first_frame_ms SESSION COMMAND TEXT: milliseconds from starting COMMAND in
# a detached 200x60 tmux session until TEXT is on its screen ("-" after 20 s).
first_frame_ms() {
	local s=$1 cmd=$2 text=$3 t0 t1
	t0=$(now_ns)
	tm new-session -d -s "$s" -x 200 -y 60 "exec $cmd"
	until tm capture-pane -p -t "$s" 2>/dev/null | grep -qF -- "$text"; do
		if (($(now_ns) - t0 > 20000000000)); then
			tm kill-session -t "$s" 2>/dev/null
			echo -
			return
		fi
		sleep 0.002
	done
	t1=$(now_ns)
	tm kill-session -t "$s" 2>/dev/null
	awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f", d / 1e6 }'
}

# median_first_frame COMMAND TEXT: the median of five launches after a warm-up.
median_first_frame() {
	local i v=()
	first_frame_ms warm "$1" "$2" >/dev/null
	sleep 0.5
	for i in 1 2 3 4 5; do
		v+=("$(first_frame_ms "ff$i" "$1" "$2")")
		sleep 0.5
	done
	printf '%s\n' "${v[@]}" | sort -n | sed -n 3p
}

# ticks PID...: their utime+stime summed, in clock ticks.
ticks() {
	local p t=0
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] || continue
		t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')))
	done
	echo "$t"
}
# rss_kib PID...: their VmRSS summed, in KiB.
rss_kib() {
	local p t=0 v
	for p in "$@"; do
		v=$(awk '/^VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		t=$((t + ${v:-0}))
	done
	echo "$t"
}
# pss_kib PID...: their proportional set size summed, in KiB: pages that
# several of them share are counted once in all, not once each.
pss_kib() {
	local p t=0 v
	for p in "$@"; do
		v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null)
		t=$((t + ${v:-0}))
	done
	echo "$t"
}
pct() { awk -v t="$1" -v hz="$tclk" -v s="$2" 'BEGIN { printf "%.2f", 100 * t / hz / s }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
window=20 settle=30

# idle SESSION COMMAND PIDFUNC: starts COMMAND in tmux, waits $settle s, then
# sets ui_pct, ui_rss (the UI process), other_pct and other_rss (the
# processes PIDFUNC prints, measured over the same window), and quits it.
idle() {
	local s=$1 cmd=$2 others=$3 pid t0 t1 o0 o1 r0
	tm new-session -d -s "$s" -x 200 -y 60 "exec $cmd"
	pid=$(tm display-message -p -t "$s" '#{pane_pid}')
	sleep "$settle"
	r0=$(rss_kib $($others))
	t0=$(ticks "$pid") o0=$(ticks $($others))
	sleep "$window"
	t1=$(ticks "$pid") o1=$(ticks $($others))
	ui_pct=$(pct $((t1 - t0)) "$window") other_pct=$(pct $((o1 - o0)) "$window")
	ui_rss=$(rss_kib "$pid") other_rss=$(($(rss_kib $($others)) - r0))
	[ -d "/proc/$pid" ] || ui_pct=- ui_rss=0
	tm kill-session -t "$s" 2>/dev/null || true
}

# quiet PIDFUNC: sets q_pct and q_pss for the processes PIDFUNC prints, over
# a window with no UI running.
quiet() {
	local t0
	t0=$(ticks $($1))
	sleep "$window"
	q_pct=$(pct $(($(ticks $($1)) - t0)) "$window") q_pss=$(pss_kib $($1))
}

# berth: twenty containers and the workbench over them.
R=$lw/root
B="$BERTH --root $R"
$B import "$lw/busybox.tar" bench-live >/dev/null
for i in $(seq -w 1 20); do $B run -d --network none --name "tuilive$i" bench-live sleep 3600 >/dev/null; done
supervisors() { pgrep -f -- "--root $R supervise" || true; }
b_ff=$(median_first_frame "$B" tuilive07)
idle berth "$B" supervisors
b_cpu=$ui_pct b_rss=$(mib "$ui_rss")
quiet supervisors
sup_cpu=$q_pct sup_pss=$(mib "$q_pss")
$B rm -f $($B ps -aq) >/dev/null 2>&1 || true

# lazydocker over dockerd, with the same image and containers.
LD=$(command -v lazydocker || true)
if [ -z "$LD" ]; then
	GOFLAGS= go install github.com/jesseduffield/lazydocker@latest >/dev/null 2>&1 && LD=$(go env GOPATH)/bin/lazydocker
fi
why=
if [ -z "$LD" ] || [ ! -x "$LD" ]; then
	why="lazydocker cannot be installed here (the module proxy does not serve it)"
elif ! ensure_dockerd; then
	why="no docker daemon"
elif ! docker import "$lw/busybox.tar" bench-live >/dev/null 2>&1; then
	why="docker import failed"
fi
if [ -z "$why" ]; then
	for i in $(seq -w 1 20); do docker run -d --network none --name "tuilive$i" bench-live sleep 3600 >/dev/null; done
	daemon() { pgrep -x dockerd; pgrep -x containerd; }
	shims() { pgrep -f containerd-shim || true; }
	# dockerd's baseline with the twenty containers and no client.
	quiet daemon
	d_base=$q_pct
	l_ff=$(median_first_frame "$LD" tuilive07)
	# The UI alone, then dockerd over the same window.
	idle lazydocker "$LD" daemon
	l_cpu=$ui_pct l_rss=$(mib "$ui_rss")
	d_cpu=$(awk -v a="$other_pct" -v b="$d_base" 'BEGIN { d = a - b; printf "%.2f", d < 0 ? 0 : d }')
	d_rss=$(mib "$other_rss")
	ld_cpu=$(awk -v a="$l_cpu" -v b="$d_cpu" 'BEGIN { printf "%.2f", a + b }')
	ld_rss=$(awk -v a="$l_rss" -v b="$d_rss" 'BEGIN { printf "%.1f", a + (b < 0 ? 0 : b) }')
	quiet shims
	shim_cpu=$q_pct shim_pss=$(mib "$q_pss")
	docker rm -f $(docker ps -aq --filter name=^tuilive) >/dev/null 2>&1 || true
	docker rmi -f bench-live >/dev/null 2>&1 || true
fi
tm kill-server 2>/dev/null || true
$B system reset --force >/dev/null 2>&1 || true

row "tui first frame, 20 containers 200x60" ms "$b_ff" "lazydocker" "${l_ff:--}" "under 150 ms"
row "tui idle CPU, 20 containers, 1 s refresh" "% core" "$b_cpu" "lazydocker + dockerd's extra" "${ld_cpu:--}" "under 1%"
row "tui idle CPU, 20 containers, 1 s refresh" "% core" "$b_cpu" "lazydocker alone" "${l_cpu:--}" "under 1%"
row "tui memory (RSS), 20 containers" MB "$b_rss" "lazydocker + dockerd's extra" "${ld_rss:--}" "under 60 MB"
row "tui memory (RSS), 20 containers" MB "$b_rss" "lazydocker alone" "${l_rss:--}" "under 60 MB"
row "20 supervisors' idle CPU, no UI" "% core" "$sup_cpu" "20 containerd shims" "${shim_cpu:--}" "-"
row "20 supervisors' memory (PSS, summed)" MB "$sup_pss" "20 containerd shims" "${shim_pss:--}" "-"
[ -z "$why" ] || echo "| tui live vs lazydocker | $why | | | | |"
