package tui

import (
	"context"
	"io"
	"time"

	"github.com/berth-dev/berth/tui/data"
)

// Backend is what the workbench needs of the engine. An adapter over the
// real engine satisfies it; the workbench calls it only from commands, never
// while handling a message, so a slow engine cannot freeze the screen.
//
// # Lists
//
// Containers and Images return the whole list each time; the workbench calls
// them on start, at the refresh interval, and shortly after each event.
//
// # Streams
//
// Events, Stats and Logs return a channel that the backend closes when ctx
// is cancelled or the stream ends. The workbench reads one value at a time
// and never holds a channel it no longer shows. Events first delivers the
// journal since the given time, then follows it.
//
// # Builds
//
// Builds lists the recorded builds, those run from the command line
// included. BuildProgress reads one build from a byte offset in its record
// and returns the offset to read from next, so that a running build is
// followed by calling it again. Build starts a build and returns as soon as
// it is recorded, with a channel that receives how it ended.
//
// # Actions
//
// The action methods act on one container or image and return an error a
// user can read ("stopping web: container is not running").
type Backend interface {
	Containers(ctx context.Context) ([]data.ContainerRow, error)
	Images(ctx context.Context) ([]data.ImageRow, error)
	Layers(ctx context.Context, imageID string) (data.LayerAnalysis, error)
	// Changes is a container's own changes against its image: the paths
	// its writable layer added, modified and removed.
	Changes(ctx context.Context, containerID string) (*data.FileNode, error)
	Namespaces(ctx context.Context, containerID string) (data.NamespaceInfo, error)

	Events(ctx context.Context, since time.Time) (<-chan data.EventRow, error)
	Stats(ctx context.Context, interval time.Duration) (<-chan data.StatsSample, error)
	Logs(ctx context.Context, containerID string, opts data.LogOptions) (<-chan data.LogLine, error)

	Start(ctx context.Context, id string) error
	Stop(ctx context.Context, id string) error
	Restart(ctx context.Context, id string) error
	Pause(ctx context.Context, id string) error
	Unpause(ctx context.Context, id string) error
	Kill(ctx context.Context, id string) error
	Remove(ctx context.Context, id string) error
	Rename(ctx context.Context, id, name string) error
	RemoveImage(ctx context.Context, id string) error
	Tag(ctx context.Context, imageID, ref string) error
	// Pull fetches ref from its registry; it may take minutes and is run
	// in the background.
	Pull(ctx context.Context, ref string) error
	// Push uploads an image to the registry ref names, giving the image
	// that name first if it does not have it, and returns the pushed
	// manifest's digest. Like Pull it runs in the background.
	Push(ctx context.Context, imageID, ref string) (digest string, err error)
	// Save writes the image ref names (a name, or an ID for an unnamed
	// image) to an archive file: the file appears whole or not at all. It
	// returns the archive's size in bytes.
	Save(ctx context.Context, ref string, spec data.SaveSpec) (int64, error)
	// Commit makes an image of a container's changes on top of its image
	// and returns the new image's ID.
	Commit(ctx context.Context, containerID string, spec data.CommitSpec) (imageID string, err error)

	Builds(ctx context.Context) ([]data.BuildRow, error)
	BuildProgress(ctx context.Context, id string, offset int64) (data.BuildProgress, error)
	// Build starts a build in the background. It returns the build's ID
	// and a channel that receives nil or the build's error when it ends.
	Build(ctx context.Context, spec data.BuildSpec) (id string, done <-chan error, err error)

	// Run creates and starts a container and returns its ID.
	Run(ctx context.Context, spec data.RunSpec) (string, error)

	// Shell prepares a shell in a running container. The workbench steps
	// aside, hands the terminal to the process until it exits, then comes
	// back.
	Shell(ctx context.Context, id string) (Process, error)
	// Attach connects to a running container's standard streams. As with
	// Shell, the workbench hands the terminal to the process; it ends when
	// the user detaches (ctrl-p ctrl-q) or the container exits.
	Attach(ctx context.Context, id string) (Process, error)
}

// Process is a program that takes over the terminal while it runs, such as
// a shell in a container. The workbench sets its standard streams to the
// terminal's before calling Run; an os/exec command wrapped to take them
// satisfies it.
type Process interface {
	Run() error
	SetStdin(io.Reader)
	SetStdout(io.Writer)
	SetStderr(io.Writer)
}
