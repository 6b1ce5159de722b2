// The workbench's rules, for whoever changes it:
//
//   - One top-level Model owns the program; each pane is a common.Pane in
//     its own package under panes/, drawn into the size SetSize gave it and
//     never wider: golden tests check every line's width.
//   - No I/O in Update. Every Backend call runs in a tea.Cmd and comes back
//     as a message; a command never touches model state. Panes do not hold
//     the Backend: they ask for actions and drill-ins with common.ActionMsg
//     and common.OpenMsg, and the Model confirms, runs and reports them.
//   - Streams (events, stats, logs) enter as a command that waits on the
//     channel and re-arms itself; a stream's batch is drained in one message
//     so that a busy container redraws the screen once, not once a line.
//   - Colours come only from common.Styles, built from a themes.Palette;
//     keys only from common.KeyMap, so that the config file can rebind them.
//   - Text from containers (log lines, names, errors) is stripped of control
//     characters before it is drawn.

package tui
