// Package buildlog keeps each build's progress under the berth root, so that
// a build started from the command line can be watched live from the
// workbench, and a finished one read again: builds/<id>/meta.json says what
// was built and how it ended, builds/<id>/progress.jsonl holds its events,
// one JSON object a line, appended as they happen.
package buildlog

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/berth-dev/berth/builder/progress"
	"github.com/berth-dev/berth/engine/atomicfile"
)

// Dir is where builds are kept, under the root.
const Dir = "builds"

// Keep is how many builds are kept; older ones are removed as new ones start.
const Keep = 50

// Status is where a build is.
type Status string

// A build runs, then has succeeded or failed (an interruption is a failure).
const (
	Running   Status = "running"
	Succeeded Status = "succeeded"
	Failed    Status = "failed"
)

// Meta describes one build.
type Meta struct {
	ID         string    `json:"id"`
	Context    string    `json:"context"`
	Dockerfile string    `json:"dockerfile,omitempty"`
	Tags       []string  `json:"tags,omitempty"`
	Started    time.Time `json:"started"`
	Finished   time.Time `json:"finished,omitzero"`
	Status     Status    `json:"status"`
	ImageID    string    `json:"image_id,omitempty"`
	Error      string    `json:"error,omitempty"`
	// Pid is the berth process running the build: a build still marked
	// running whose process is gone was killed.
	Pid int `json:"pid,omitempty"`
}

// Event is a progress.Event as stored: the error as its text.
type Event struct {
	progress.Event
	Err string `json:"Err,omitempty"`
}

// Log is one build being recorded.
type Log struct {
	dir  string
	meta Meta
	f    *os.File
	w    *bufio.Writer
}

// Start records a new build under root and drops the oldest past Keep.
func Start(root string, m Meta) (*Log, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	m.ID = hex.EncodeToString(b[:])
	m.Started, m.Status, m.Pid = time.Now().UTC(), Running, os.Getpid()
	dir := filepath.Join(root, Dir, m.ID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("recording the build: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "progress.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("recording the build: %w", err)
	}
	l := &Log{dir: dir, meta: m, f: f, w: bufio.NewWriter(f)}
	if err := l.writeMeta(); err != nil {
		f.Close()
		return nil, err
	}
	prune(filepath.Join(root, Dir), Keep)
	return l, nil
}

// ID is the build's ID.
func (l *Log) ID() string { return l.meta.ID }

// Tee records each event and passes it on; the returned channel closes when
// in does.
func (l *Log) Tee(in <-chan progress.Event) <-chan progress.Event {
	out := make(chan progress.Event, cap(in))
	go func() {
		defer close(out)
		enc := json.NewEncoder(l.w)
		for ev := range in {
			stored := Event{Event: ev}
			if ev.Err != nil {
				stored.Err = ev.Err.Error()
			}
			stored.Event.Err = nil
			enc.Encode(stored)
			l.w.Flush() // a watcher reads whole lines as they come
			out <- ev
		}
	}()
	return out
}

// Finish records how the build ended.
func (l *Log) Finish(imageID string, err error) error {
	l.meta.Finished, l.meta.Status, l.meta.ImageID = time.Now().UTC(), Succeeded, imageID
	if err != nil {
		l.meta.Status, l.meta.Error = Failed, err.Error()
	}
	return errors.Join(l.w.Flush(), l.f.Close(), l.writeMeta())
}

func (l *Log) writeMeta() error {
	b, _ := json.Marshal(l.meta)
	return atomicfile.WriteFile(filepath.Join(l.dir, "meta.json"), b, 0o600)
}

// List returns the recorded builds, newest first. A build marked running
// whose process is gone is reported failed.
func List(root string) ([]Meta, error) {
	ents, err := os.ReadDir(filepath.Join(root, Dir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Meta
	for _, e := range ents {
		if m, err := Get(root, e.Name()); err == nil {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Started.After(out[j].Started) })
	return out, nil
}

// Get reads one build's description.
func Get(root, id string) (Meta, error) {
	var m Meta
	b, err := os.ReadFile(filepath.Join(root, Dir, filepath.Base(id), "meta.json"))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, err
	}
	if m.Status == Running && !alive(m.Pid) {
		m.Status, m.Error = Failed, "the build's process ended before the build did"
	}
	return m, nil
}

// Read returns the build's events after byte offset, and the offset to read
// from next time: a watcher calls it again as the build goes on. A line
// not yet whole is left for the next call.
func Read(root, id string, offset int64) ([]Event, int64, error) {
	f, err := os.Open(filepath.Join(root, Dir, filepath.Base(id), "progress.jsonl"))
	if err != nil {
		return nil, offset, err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, offset, err
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, offset, err
	}
	var out []Event
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		var ev Event
		if json.Unmarshal(data[:i], &ev) == nil {
			out = append(out, ev)
		}
		data, offset = data[i+1:], offset+int64(i+1)
	}
	return out, offset, nil
}

// prune removes all but the newest keep builds that are not running.
func prune(dir string, keep int) {
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) <= keep {
		return
	}
	type aged struct {
		name string
		mod  time.Time
	}
	var all []aged
	for _, e := range ents {
		if info, err := e.Info(); err == nil {
			all = append(all, aged{e.Name(), info.ModTime()})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].mod.After(all[j].mod) })
	for _, a := range all[min(keep, len(all)):] {
		os.RemoveAll(filepath.Join(dir, a.name))
	}
}
