package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
)

func init() {
	register(func(root *cobra.Command, opts *Options) {
		group(root, "container", "Manage containers").AddCommand(containerInspectCmd(opts))
	})
}

func containerInspectCmd(opts *Options) *cobra.Command {
	var tmpl string
	cmd := &cobra.Command{
		Use:   "inspect [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Display detailed information on one or more containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := openEngine(cmd.Context(), opts)
			if err != nil {
				return err
			}
			var out []any
			for _, n := range args {
				rec, err := e.Containers.Get(n)
				if err != nil {
					return notFound(err)
				}
				out = append(out, engine.NewInspect(rec, filepath.Join(e.Root, "volumes")))
			}
			return printInspect(out, tmpl)
		},
	}
	cmd.Flags().StringVarP(&tmpl, "format", "f", "", "format the output using a Go template")
	return cmd
}

// printInspect prints inspected objects as a JSON array, or each through a
// --format template as docker does.
func printInspect(objs []any, tmpl string) error {
	if tmpl == "" {
		return printJSON(objs)
	}
	t, err := template.New("inspect").Funcs(template.FuncMap{"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	}}).Parse(tmpl)
	if err != nil {
		return fmt.Errorf("invalid --format template: %w", err)
	}
	for _, o := range objs {
		var b bytes.Buffer
		if err := t.Execute(&b, o); err != nil {
			return fmt.Errorf("formatting: %w", err)
		}
		fmt.Fprintln(os.Stdout, b.String())
	}
	return nil
}
