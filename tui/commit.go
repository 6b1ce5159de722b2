package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/components/form"
	"github.com/berth-dev/berth/tui/data"
)

// The commit form's fields.
const (
	fRef     = "repository:tag"
	fMessage = "message"
	fAuthor  = "author"
)

// openCommitForm asks what to call the image made of t's changes, named
// after the container to start with.
func (m *Model) openCommitForm(t common.Target) {
	m.form = form.New(m.c, "Commit "+t.Name+" to an image",
		form.NewField(fRef, "the new image's REPOSITORY[:TAG]; empty for an unnamed one", strings.ToLower(t.Name)),
		form.NewField(fMessage, "a message recorded in the image's history; may be empty", ""),
		form.NewField(fAuthor, `the author recorded in the image: "Name <email>"; may be empty`, ""),
	)
	m.form.Verb = "commit"
	m.submit = func() (tea.Cmd, error) {
		f := m.form
		return m.commit(t, data.CommitSpec{Ref: f.Value(fRef), Message: f.Value(fMessage), Author: f.Value(fAuthor)}), nil
	}
}

// commit commits the container in a command and reports it as an action.
func (m *Model) commit(t common.Target, spec data.CommitSpec) tea.Cmd {
	b, ctx := m.backend, m.c.Ctx
	run := func() tea.Msg {
		id, err := b.Commit(ctx, t.ID, spec)
		d := common.ActionDoneMsg{Action: common.Commit, Target: t, Err: err}
		if err == nil {
			what := "an unnamed image"
			if spec.Ref != "" {
				what = spec.Ref
			}
			d.Result = fmt.Sprintf("committed %s as %s, image %s", t.Name, what, common.ShortID(id))
		}
		return d
	}
	m.pending++
	return tea.Batch(run, m.note(fmt.Sprintf("commit: %s…", t.Name)))
}
