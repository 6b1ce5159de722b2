// Package devloop is berth's live-reload loop: it watches a build context,
// coalesces bursts of changes into batches, turns each batch into a plan by
// the develop.watch rules (sync files into the running container, rebuild
// and replace it, restart it, run a command in it), carries the plan out
// through a Target, and reports every reload timed by stage.
package devloop
