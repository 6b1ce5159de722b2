// Package cgroups creates, configures, freezes, kills and measures the
// control group of one container, on cgroup v1 (one hierarchy per
// controller) and cgroup v2 (the unified hierarchy) alike.
//
// The hierarchy is chosen from the host: v2 when /sys/fs/cgroup is a cgroup2
// mount, v1 otherwise. Creating directories and writing limits is done by
// github.com/opencontainers/cgroups (runc's library, its fs and fs2 drivers),
// which knows the ordering rules of the kernel files (memory before swap,
// cpuset inheritance on v1, subtree_control on v2) and builds the eBPF device
// program that v2 needs. Killing, destroying and statistics are berth's own:
// Kill freezes the group before it signals so that a fork loop cannot escape,
// and Stats reads a handful of files into reused buffers, cheap enough to run
// every second for a hundred containers.
//
// # Use
//
//	m, err := cgroups.New("/berth/"+id, spec.Linux.Resources)
//	if err != nil { ... }
//	defer m.Destroy()
//	if err := m.Apply(pid); err != nil { ... }
//	st, err := m.Stats()
package cgroups
