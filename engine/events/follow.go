package events

import (
	"context"
	"encoding/json"
	"time"

	"github.com/berth-dev/berth/engine/tail"
)

// Follow sends the events since the given time that pass the filter, then every
// new one as it is appended, until ctx is done; then it closes the channel.
// The returned error covers only setting up.
func (j *Journal) Follow(ctx context.Context, since time.Time, f Filter) (<-chan Event, error) {
	// Start following before reading the history, so that an event appended in
	// between is never missed; events already in the history are not sent twice
	// because the follower starts after the lines present when it opened.
	fl, err := tail.Open(j.path, false)
	if err != nil {
		return nil, err
	}
	var history []Event
	if !since.IsZero() {
		if history, err = j.Read(since, time.Time{}, f); err != nil {
			fl.Close()
			return nil, err
		}
	}
	ch := make(chan Event, 64)
	go func() {
		defer close(ch)
		defer fl.Close()
		for _, e := range history {
			select {
			case ch <- e:
			case <-ctx.Done():
				return
			}
		}
		fl.Run(ctx, func(line []byte) error {
			var e Event
			if json.Unmarshal(line, &e) != nil || !f.Match(e) {
				return nil
			}
			select {
			case ch <- e:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	return ch, nil
}
