package cache

import (
	"fmt"
	"sort"
	"strings"
)

// Explain says how cur differs from prev, the inputs of the same step in the
// last build, in one line: the instruction, a build arg, or files. It returns
// "" when they are the same but for the parent.
func Explain(prev, cur *Inputs) string {
	var notes []string
	for _, k := range union(prev.Args, cur.Args) {
		pv, pok := prev.Args[k]
		cv, cok := cur.Args[k]
		switch {
		case !pok:
			notes = append(notes, fmt.Sprintf("build arg %s set to %q", k, cv))
		case !cok:
			notes = append(notes, fmt.Sprintf("build arg %s no longer set (was %q)", k, pv))
		case pv != cv:
			notes = append(notes, fmt.Sprintf("build arg %s changed from %q to %q", k, pv, cv))
		}
	}
	if len(notes) > 0 {
		return strings.Join(notes, "; ") // the instruction changed because of them
	}
	if prev.Instruction != cur.Instruction {
		return fmt.Sprintf("instruction changed: was %q", prev.Instruction)
	}
	var changed, added, removed []string
	for _, k := range union(prev.Files, cur.Files) {
		pv, pok := prev.Files[k]
		cv, cok := cur.Files[k]
		switch {
		case !pok:
			added = append(added, k)
		case !cok:
			removed = append(removed, k)
		case pv != cv:
			changed = append(changed, k)
		}
	}
	notes = append(notes, fileNote("file", "changed", changed)...)
	notes = append(notes, fileNote("file", "added", added)...)
	notes = append(notes, fileNote("file", "removed", removed)...)
	if len(notes) == 0 && prev.Extra != cur.Extra {
		notes = append(notes, "source stage or image changed")
	}
	return strings.Join(notes, "; ")
}

func fileNote(what, verb string, paths []string) []string {
	switch len(paths) {
	case 0:
		return nil
	case 1:
		return []string{fmt.Sprintf("%s %s %s", what, paths[0], verb)}
	case 2, 3:
		return []string{fmt.Sprintf("%ss %s %s", what, strings.Join(paths, ", "), verb)}
	}
	return []string{fmt.Sprintf("%ss %s and %d more %s", what, strings.Join(paths[:3], ", "), len(paths)-3, verb)}
}

func union(a, b map[string]string) []string {
	seen := map[string]bool{}
	var keys []string
	for _, m := range []map[string]string{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}
