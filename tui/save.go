package tui

import (
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/components/form"
	"github.com/berth-dev/berth/tui/data"
)

// The save form's fields.
const (
	fFile   = "file"
	fFormat = "format"
)

// noName is the Images pane's name for an image without one.
const noName = "<none>:<none>"

// openSaveForm asks where to save the image t and in which format, starting
// from a file named after it in the directory berth was started in.
func (m *Model) openSaveForm(t common.Target) {
	m.form = form.New(m.c, "Save "+imageName(t)+" to an archive",
		form.NewField(fFile, "the archive to write, relative to where berth started", archiveName(t)),
		form.NewField(fFormat, data.FormatDockerArchive+" (for `docker load`) or "+data.FormatOCIArchive, data.FormatDockerArchive),
	)
	m.form.Verb = "save"
	m.submit = func() (tea.Cmd, error) {
		spec := data.SaveSpec{Path: m.form.Value(fFile), Format: m.form.Value(fFormat)}
		switch {
		case spec.Path == "":
			return nil, errNoFile
		case spec.Format != data.FormatDockerArchive && spec.Format != data.FormatOCIArchive:
			return nil, fmt.Errorf("unknown format %q: %s or %s", spec.Format, data.FormatDockerArchive, data.FormatOCIArchive)
		}
		return m.save(t, spec), nil
	}
}

// imageName is how an image is named to the user and the store: its name,
// or its short ID when it has none.
func imageName(t common.Target) string {
	if t.Name == "" || t.Name == noName {
		return common.ShortID(t.ID)
	}
	return t.Name
}

// archiveName is a file name for the image's archive: busybox:1.36 is
// busybox_1.36.tar.
func archiveName(t common.Target) string {
	return strings.NewReplacer("/", "_", ":", "_", "@", "_").Replace(imageName(t)) + ".tar"
}

// save writes the archive in a command and reports it as an action.
func (m *Model) save(t common.Target, spec data.SaveSpec) tea.Cmd {
	b, ctx := m.backend, m.c.Ctx
	ref := imageName(t)
	if t.Name == "" || t.Name == noName {
		ref = t.ID
	}
	run := func() tea.Msg {
		n, err := b.Save(ctx, ref, spec)
		d := common.ActionDoneMsg{Action: common.Save, Target: t, Err: err}
		if err == nil {
			d.Result = fmt.Sprintf("saved %s to %s (%s, %s)", imageName(t), spec.Path, common.HumanSize(uint64(n)), spec.Format)
		}
		return d
	}
	m.pending++
	return tea.Batch(run, m.note(fmt.Sprintf("save: %s to %s…", imageName(t), spec.Path)))
}

var errNoFile = errors.New("a file is needed: type where to write the archive")
