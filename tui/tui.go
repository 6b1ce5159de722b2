// Package tui is berth's workbench: one bubbletea program over the engine,
// with a pane for each of containers, images, events, logs, resources,
// layers, namespaces and builds.
package tui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/berth-dev/berth/themes"
	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/data"
	"github.com/berth-dev/berth/tui/panes/build"
	"github.com/berth-dev/berth/tui/panes/containers"
	"github.com/berth-dev/berth/tui/panes/dev"
	"github.com/berth-dev/berth/tui/panes/events"
	"github.com/berth-dev/berth/tui/panes/images"
	"github.com/berth-dev/berth/tui/panes/layers"
	"github.com/berth-dev/berth/tui/panes/logs"
	"github.com/berth-dev/berth/tui/panes/namespaces"
	"github.com/berth-dev/berth/tui/panes/resources"
)

// Options configure a workbench.
type Options struct {
	// Config is the workbench's settings; LoadOptions reads them from the
	// user's config file.
	Config common.Config
	// ThemeDir holds the user's theme files.
	ThemeDir string
	// Palette, when set, is used instead of the theme the config names, and
	// the terminal's background is not followed.
	Palette *themes.Palette
	// Now is the clock for ages and uptimes; time.Now when nil.
	Now func() time.Time
	// NoStreams leaves the event, stats and log streams closed and the
	// refresh ticks off, for drawing fixed frames.
	NoStreams bool
	// Dev, when set, is the stream of a dev loop running in this process
	// (`berth dev --ui`): the workbench opens on its Dev pane.
	Dev <-chan data.DevEvent
}

// LoadOptions reads the user's config file and finds the theme directory.
func LoadOptions() (Options, error) {
	o := Options{Config: common.DefaultConfig()}
	path, err := common.ConfigPath()
	if err != nil {
		return o, err
	}
	if o.Config, err = common.LoadConfig(path); err != nil {
		return o, err
	}
	if o.ThemeDir, err = themes.Dir(); err != nil {
		return o, err
	}
	return o, nil
}

// Run opens the workbench over backend on the terminal and returns when the
// user quits or ctx is cancelled.
func Run(ctx context.Context, backend Backend, opts Options) error {
	m, err := New(ctx, backend, opts)
	if err != nil {
		return err
	}
	defer m.cancel() // ends the streams the workbench opened
	// bubbletea draws on a ticker that wakes the process at every frame
	// even when nothing changed, and at 30 a second those wake-ups alone
	// cost 0.6% of a core here. 15 a second draws a key press within 67 ms
	// and keeps the idle workbench under 1% of a core with twenty
	// containers sampled every second.
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithFPS(15))
	if _, err := p.Run(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("running workbench: %w", err)
	}
	return nil
}

// New returns the workbench's top-level model over backend. It resolves the
// configured theme (a user theme file is read here, before the program
// starts).
func New(ctx context.Context, backend Backend, opts Options) (*Model, error) {
	if opts.Config.Refresh == 0 {
		opts.Config = common.DefaultConfig()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	pal := themes.Dark
	if opts.Palette != nil {
		pal = *opts.Palette
	} else if opts.Config.Theme != "" && opts.Config.Theme != themes.Auto {
		var err error
		if pal, err = themes.Load(opts.ThemeDir, opts.Config.Theme, true); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	c := &common.Common{
		Ctx:    ctx,
		Styles: common.NewStyles(pal),
		Keys:   opts.Config.KeyMap(),
		Config: opts.Config,
		Now:    opts.Now,
	}
	m := &Model{
		c:       c,
		backend: backend,
		opts:    opts,
		cancel:  cancel,
		openURL: openURL,
		follow:  opts.Palette == nil && (opts.Config.Theme == "" || opts.Config.Theme == themes.Auto),
	}
	m.panes = []common.Pane{
		containers.New(c),
		images.New(c),
		events.New(c),
		logs.New(c),
		resources.New(c),
		layers.New(c),
		namespaces.New(c),
		build.New(c),
	}
	if opts.Dev != nil {
		m.panes = append([]common.Pane{dev.New(c)}, m.panes...)
	}
	return m, nil
}
