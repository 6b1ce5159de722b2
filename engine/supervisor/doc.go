// Package supervisor is the small process that watches one container: the
// berth binary re-executed for each container (like podman's conmon), it holds
// the container's stdio, writes its log, serves attach, runs its health
// checks, applies its restart policy and records how it exited, so that the
// container outlives the berth process that started it.
package supervisor
