package common

import (
	tea "charm.land/bubbletea/v2"

	"github.com/berth-dev/berth/tui/data"
)

// Data messages: results of backend calls and items of streams, delivered to
// every pane.
type (
	// ContainersMsg is the full list of containers.
	ContainersMsg []data.ContainerRow
	// ImagesMsg is the full list of images.
	ImagesMsg []data.ImageRow
	// EventMsg is one new journal event.
	EventMsg data.EventRow
	// EventsMsg is a batch of journal history.
	EventsMsg []data.EventRow
	// StatsMsg is a batch of stats samples, oldest first: usually one round
	// over the running containers.
	StatsMsg []data.StatsSample
	// LogMsg is a batch of log lines, oldest first.
	LogMsg []data.LogLine
	// LayersMsg is the analysis of one image.
	LayersMsg data.LayerAnalysis
	// NamespacesMsg is the namespaces view of one container.
	NamespacesMsg data.NamespaceInfo
	// DevMsg is a batch of the dev loop's reports, oldest first.
	DevMsg []data.DevEvent
)

// ChangesMsg is a container's own changes against its image.
type ChangesMsg struct {
	Target Target
	Tree   *data.FileNode
}

// Action names an engine action a pane asks for.
type Action string

// The actions panes can ask for.
const (
	Start       Action = "start"
	Stop        Action = "stop"
	Restart     Action = "restart"
	Pause       Action = "pause"
	Unpause     Action = "unpause"
	Kill        Action = "kill"
	Remove      Action = "remove"
	Rename      Action = "rename"
	RemoveImage Action = "remove-image"
	Shell       Action = "shell"
	Tag         Action = "tag"
	Pull        Action = "pull"
	Run         Action = "run"
	Commit      Action = "commit"
	Attach      Action = "attach"
	Push        Action = "push"
	Save        Action = "save"
	Browse      Action = "open"
)

// NeedsArg reports whether the action takes a line of text from the user:
// a new name, a tag, a reference to pull.
func (a Action) NeedsArg() bool { return a == Rename || a == Tag || a == Pull || a == Push }

// Destructive reports whether the action needs the user's confirmation.
func (a Action) Destructive() bool {
	switch a {
	case Stop, Restart, Kill, Remove, RemoveImage:
		return true
	}
	return false
}

// ActionMsg asks the workbench to run an action on the targets. The
// workbench confirms destructive actions, then calls the backend in a
// command.
type ActionMsg struct {
	Action  Action
	Targets []Target
	// Arg is the action's argument: the new name for Rename. Empty for
	// Rename means "ask the user".
	Arg string
	// Spec is what to run, for Run; nil means "ask the user with the run
	// form", filled with the first target's name as the image.
	Spec *data.RunSpec
	// URLs are the addresses of a container's published TCP ports, for
	// Browse; the first is opened.
	URLs []string
}

// Target is one thing an action applies to.
type Target struct {
	ID   string
	Name string
}

// ActionDoneMsg reports the result of an action on one target.
type ActionDoneMsg struct {
	Action Action
	Target Target
	Err    error
	// Result, when not empty, is what to tell the user of a success
	// instead of "ACTION: NAME done": the image a commit made, the file a
	// save wrote.
	Result string
}

// OpenMsg asks the workbench to switch to a pane, loading it for targets
// (the containers whose logs to follow, the image whose layers to show).
type OpenMsg struct {
	Pane    string
	Targets []Target
	// Changes opens the Layers pane on a container's own changes rather
	// than on an image.
	Changes bool
}

// ErrorMsg is an error to show in the status line.
type ErrorMsg struct{ Err error }

// InfoMsg is a notice to show in the status line.
type InfoMsg string

// RestyleMsg tells panes that the styles changed (a new theme), so that
// rows they keep pre-styled are drawn again.
type RestyleMsg struct{}

// Backer is a pane with state that esc clears (a filter, a search, marks).
// Back clears one step of it and reports whether there was any; when there
// was none, esc goes back to the pane the user came from.
type Backer interface {
	Back() bool
}

// Opener is a pane that can be opened for targets: the Logs pane for the
// containers to follow, the Layers pane for an image.
type Opener interface {
	Open(targets []Target) tea.Cmd
}

// Build messages: the recorded builds, the progress of the one followed,
// and the Build pane's requests.
type (
	// BuildsMsg is the full list of recorded builds, newest first.
	BuildsMsg []data.BuildRow
	// BuildProgressMsg is what a build did since From, a byte offset in its
	// record: From 0 is the build from its start.
	BuildProgressMsg struct {
		ID       string
		From     int64
		Progress data.BuildProgress
	}
	// WatchBuildMsg asks the workbench to follow a build's progress: read
	// it from the start, then, while it runs and the Build pane is shown,
	// as it goes on.
	WatchBuildMsg struct{ ID string }
	// NewBuildMsg asks the workbench to open the build form, filled with
	// Spec.
	NewBuildMsg struct{ Spec data.BuildSpec }
	// BuildStartedMsg says a build started from the workbench was
	// recorded under ID.
	BuildStartedMsg struct{ ID string }
)
