package tui

import (
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/components/dialog"
	"github.com/berth-dev/berth/tui/components/form"
	"github.com/berth-dev/berth/tui/data"
)

// The run form's fields.
const (
	fImage   = "image"
	fName    = "name"
	fPorts   = "ports"
	fEnv     = "env"
	fVolumes = "volumes"
	fMemory  = "memory"
	fCPUs    = "cpus"
	fCommand = "command"
)

// openRunForm asks what to run, starting from image.
func (m *Model) openRunForm(image string) {
	m.form = form.New(m.c, "Run a container",
		form.NewField(fImage, "the image to run, as in `berth run IMAGE`", image),
		form.NewField(fName, "a name for the container; empty for a generated one", ""),
		form.NewField(fPorts, "published ports, comma-separated: 8080:80, 127.0.0.1:5432:5432", ""),
		form.NewField(fEnv, "environment, comma-separated: KEY=value, DEBUG=1", ""),
		form.NewField(fVolumes, "volumes, comma-separated: data:/var/lib/data, /srv:/srv:ro", ""),
		form.NewField(fMemory, "memory limit: 256m, 1g; empty for none", ""),
		form.NewField(fCPUs, "CPU limit in cores: 0.5, 2; empty for none", ""),
		form.NewField(fCommand, "the command, replacing the image's; empty for its own", ""),
	)
	m.submit = m.submitRun
}

func (m *Model) submitRun() (tea.Cmd, error) {
	spec, err := m.runSpec()
	if err != nil {
		return nil, err
	}
	return m.runContainer(spec), nil
}

// formKey handles a key while a form (the run form, the build form) is
// open.
func (m *Model) formKey(k tea.KeyPressMsg) tea.Cmd {
	switch m.form.Update(k) {
	case dialog.Cancelled:
		m.form = nil
	case dialog.Accepted:
		cmd, err := m.submit()
		if err != nil {
			m.form.SetError(err.Error())
			return nil
		}
		m.form = nil
		return cmd
	}
	return nil
}

func (m *Model) runSpec() (data.RunSpec, error) {
	f := m.form
	s := data.RunSpec{
		Image:   f.Value(fImage),
		Name:    f.Value(fName),
		Ports:   list(f.Value(fPorts)),
		Env:     list(f.Value(fEnv)),
		Volumes: list(f.Value(fVolumes)),
		Memory:  f.Value(fMemory),
		CPUs:    f.Value(fCPUs),
		Command: strings.Fields(f.Value(fCommand)),
	}
	if s.Image == "" {
		return s, errNoImage
	}
	return s, nil
}

// list splits a comma-separated field, dropping empty items.
func list(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// runContainer runs spec in a command and reports it as an action.
func (m *Model) runContainer(spec data.RunSpec) tea.Cmd {
	b, ctx := m.backend, m.c.Ctx
	name := spec.Name
	if name == "" {
		name = spec.Image
	}
	run := func() tea.Msg {
		id, err := b.Run(ctx, spec)
		return common.ActionDoneMsg{Action: common.Run, Target: common.Target{ID: id, Name: name}, Err: err}
	}
	m.pending++
	return tea.Batch(run, m.note(fmt.Sprintf("run: %s…", name)))
}

var errNoImage = errors.New("an image is needed: type one in the first field")
