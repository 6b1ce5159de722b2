// Package events is the engine's journal: an append-only file of what happened
// (a container was created, started, died; an image was tagged; a network was
// connected) that any number of berth processes append to and follow at once.
//
// Each event is one JSON line. Appends take an exclusive file lock and write
// the whole line with a single write to a file opened O_APPEND, so lines from
// concurrent processes never interleave and a reader never sees half a line
// that a later append completes: a trailing line without its newline is
// treated as not yet written.
package events

import (
	"time"
)

// Event types, as docker names them.
const (
	TypeContainer = "container"
	TypeImage     = "image"
	TypeNetwork   = "network"
	TypeVolume    = "volume"
	TypeBuilder   = "builder"
)

// Event is one entry of the journal.
type Event struct {
	// Time is when the event happened, in UTC with nanoseconds.
	Time time.Time `json:"time"`
	// Type is what kind of object the event is about: container, image, network, volume, builder.
	Type string `json:"type"`
	// Action is what happened: create, start, die, oom, stop, destroy, pause, unpause,
	// pull, build, tag, untag, delete, connect, disconnect, and so on.
	Action string `json:"action"`
	// ID names the object: a container or image ID, a network name.
	ID string `json:"id"`
	// Attributes carry the details: a container's name and image, an exit code, a tag.
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Filter selects events; an empty field matches everything. Within a field any
// value matches (OR); across fields all must match (AND), as in docker's
// `events --filter`.
type Filter struct {
	Types   []string
	Actions []string
	IDs     []string
	// Attributes match when the event has each key with one of the listed values;
	// "name" and "image" are the usual ones.
	Attributes map[string][]string
}

// Match reports whether e passes the filter. An ID filter also matches the
// event's "name" attribute, as docker's container filter does.
func (f Filter) Match(e Event) bool {
	if !oneOf(f.Types, e.Type) || !oneOf(f.Actions, e.Action) {
		return false
	}
	if len(f.IDs) > 0 && !oneOf(f.IDs, e.ID) && !oneOf(f.IDs, e.Attributes["name"]) && !prefixOf(f.IDs, e.ID) {
		return false
	}
	for k, vs := range f.Attributes {
		if !oneOf(vs, e.Attributes[k]) {
			return false
		}
	}
	return true
}

func oneOf(set []string, v string) bool {
	if len(set) == 0 {
		return true
	}
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

// prefixOf lets a short container ID (docker prints 12 characters) match the full one.
func prefixOf(set []string, id string) bool {
	for _, s := range set {
		if len(s) >= 4 && len(s) < len(id) && id[:len(s)] == s {
			return true
		}
	}
	return false
}
