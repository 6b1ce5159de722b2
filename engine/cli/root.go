// Package cli is berth's docker-style command line: thin cobra commands over
// the engine and its parts. Every verb lives in a file of its own.
package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine/launch"
)

// DefaultRoot is where berth keeps its state unless --root or BERTH_ROOT says otherwise.
const DefaultRoot = launch.DefaultRoot

// Options are the global flags every command sees.
type Options struct {
	Root  string
	Debug bool
}

// ExitError carries a process exit code through cobra, in the manner of docker's
// 125 (berth itself failed), 126 (command cannot be run) and 127 (command not found).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// registrars add subcommands to the root; each verb's file appends to it in init.
var registrars []func(root *cobra.Command, opts *Options)

// register adds a function that attaches commands to the root command.
func register(fn func(root *cobra.Command, opts *Options)) {
	registrars = append(registrars, fn)
}

// NewRoot builds the berth command tree.
func NewRoot() (*cobra.Command, *Options) { return newRoot(registrars) }

// newRoot builds the root command with the subcommands regs add.
func newRoot(regs []func(root *cobra.Command, opts *Options)) (*cobra.Command, *Options) {
	opts := &Options{}
	root := &cobra.Command{
		Use:           "berth",
		Short:         "A terminal container workbench: build, run and inspect containers, no daemon",
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if onTerminals() {
				return openWorkbench(cmd, opts)
			}
			return cmd.Help()
		},
	}
	defRoot := os.Getenv("BERTH_ROOT")
	if defRoot == "" {
		defRoot = DefaultRoot
	}
	root.PersistentFlags().StringVar(&opts.Root, "root", defRoot, "directory that holds berth's state (env BERTH_ROOT)")
	root.PersistentFlags().BoolVar(&opts.Debug, "debug", false, "print the whole error chain")
	for _, fn := range regs {
		fn(root, opts)
	}
	return root, opts
}

// alone maps the verbs whose calls must start fast to the one registrar
// that adds them: such a call builds only its own command, not the whole
// tree (some sixty commands and their flags). A supervisor, which lives as
// long as its container, keeps less memory too.
var alone = map[string]func(root *cobra.Command, opts *Options){}

// registerAlone is register for a verb in alone.
func registerAlone(verb string, fn func(root *cobra.Command, opts *Options)) {
	alone[verb] = fn
	register(fn)
}

// Main runs the command line with args and returns the process exit code.
func Main(args []string) int {
	regs := registrars
	if fn, ok := alone[launch.VerbOf(args)]; ok {
		regs = []func(*cobra.Command, *Options){fn}
	}
	root, opts := newRoot(regs)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			printError(ee.Err, opts.Debug)
		}
		return ee.Code
	}
	printError(err, opts.Debug)
	return 125
}

func printError(err error, debug bool) {
	if debug {
		fmt.Fprintf(os.Stderr, "berth: %+v\n", err)
		return
	}
	fmt.Fprintf(os.Stderr, "berth: %v\n", err)
}

// group returns the root's subcommand called name (such as "container" or
// "volume"), creating it when no verb file has yet, so that several files can
// add verbs under one group.
func group(root *cobra.Command, name, short string) *cobra.Command {
	for _, c := range root.Commands() {
		if c.Name() == name {
			return c
		}
	}
	g := &cobra.Command{Use: name, Short: short, Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, args []string) error {
		return cmd.Help()
	}}
	root.AddCommand(g)
	return g
}
