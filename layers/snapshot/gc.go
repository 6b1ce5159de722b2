package snapshot

import (
	"context"
	"sort"
	"strings"
	"time"
)

// StaleAfter is how old an active snapshot that no container owns must be
// before Collect takes it for a leftover (of an unpack or a build step cut
// short) rather than one in use right now.
const StaleAfter = time.Hour

// Collect removes the snapshots nothing needs: a snapshot stays when keep
// names it or a snapshot that stands on it, or when it is active and
// younger than StaleAfter. Children go before their parents. It returns
// the removed keys and the bytes they held.
func Collect(ctx context.Context, sn Snapshotter, keep map[string]bool) ([]string, int64, error) {
	all := map[string]Info{}
	if err := sn.Walk(ctx, func(i Info) error { all[i.Key] = i; return nil }); err != nil {
		return nil, 0, err
	}
	live := map[string]bool{}
	var mark func(key string)
	mark = func(key string) {
		for key != "" && !live[key] {
			live[key] = true
			key = all[key].Parent
		}
	}
	for key, info := range all {
		if keep[key] || info.Kind == Active && time.Since(info.Created) < StaleAfter {
			mark(key)
		}
	}
	depth := func(key string) int {
		d := 0
		for ; key != "" && d < 1000; d++ {
			key = all[key].Parent
		}
		return d
	}
	var dead []string
	for key := range all {
		if !live[key] {
			dead = append(dead, key)
		}
	}
	sort.Slice(dead, func(i, j int) bool {
		if di, dj := depth(dead[i]), depth(dead[j]); di != dj {
			return di > dj
		}
		return strings.Compare(dead[i], dead[j]) < 0
	})
	var removed []string
	var freed int64
	for _, key := range dead {
		if err := ctx.Err(); err != nil {
			return removed, freed, err
		}
		n, _ := sn.Usage(ctx, key)
		if err := sn.Remove(ctx, key); err != nil {
			continue // something came to stand on it meanwhile
		}
		removed = append(removed, key)
		freed += n
	}
	return removed, freed, nil
}
