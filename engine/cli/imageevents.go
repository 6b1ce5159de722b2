package cli

import (
	"path/filepath"
	"strings"

	"github.com/berth-dev/berth/engine/events"
)

// imageEvent records what happened to an image in the engine's journal, so
// that `berth events` and the workbench see image changes made from the
// command line. A journal that cannot be written does not fail the verb.
func imageEvent(opts *Options, action, id, name string) {
	j, err := events.Open(filepath.Join(opts.Root, "events.log"))
	if err != nil {
		return
	}
	attrs := map[string]string{}
	if name != "" {
		attrs["name"] = name
	}
	j.Append(events.Event{Type: events.TypeImage, Action: action, ID: id, Attributes: attrs})
}

// builderEvent records a build starting or ending, by its build log ID, so
// that the workbench's Build pane learns of builds started elsewhere.
func builderEvent(opts *Options, action, id string, attrs map[string]string) {
	j, err := events.Open(filepath.Join(opts.Root, "events.log"))
	if err != nil {
		return
	}
	j.Append(events.Event{Type: events.TypeBuilder, Action: action, ID: id, Attributes: attrs})
}

// removalEvents turns the lines of `rmi` ("Untagged: NAME", "Deleted: ID")
// for the image with this ID into untag and delete events.
func removalEvents(opts *Options, id string, lines []string) {
	for _, l := range lines {
		if name, ok := strings.CutPrefix(l, "Untagged: "); ok {
			imageEvent(opts, "untag", id, name)
		} else if id, ok := strings.CutPrefix(l, "Deleted: "); ok {
			imageEvent(opts, "delete", id, "")
		}
	}
}
