package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/layers"
	"github.com/berth-dev/berth/layers/analyze"
)

func init() {
	register(func(root *cobra.Command, o *Options) {
		g := group(root, "image", "Manage images")
		var (
			ci, asJSON                             bool
			source, lowestEff, highWaste, highUser string
			top                                    int
		)
		cmd := &cobra.Command{
			Use:   "analyze [OPTIONS] IMAGE",
			Short: "Show an image's layers, wasted space and efficiency (as dive measures them)",
			Long: `Show an image's layers, its efficiency score, wasted bytes and the files
found in more than one layer, computed as wagoodman/dive does. IMAGE is a
stored image, or a docker-save archive given as docker-archive:PATH (or with
--source docker-archive). With --ci the thresholds are checked and the exit
status is 1 when one fails.`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				rules, err := analyze.ParseRules(lowestEff, highWaste, highUser)
				if err != nil {
					return err
				}
				res, err := analyzeImage(cmd, o, source, args[0])
				if err != nil {
					return err
				}
				var results []analyze.RuleResult
				pass := true
				if ci {
					results, pass = rules.Evaluate(res)
				}
				if asJSON {
					err = writeAnalysisJSON(cmd.OutOrStdout(), args[0], res, results, ci, pass)
				} else {
					err = writeAnalysis(cmd.OutOrStdout(), args[0], res, results, ci, pass, top)
				}
				if err != nil {
					return err
				}
				if !pass {
					var failed []string
					for _, r := range results {
						if r.Status == "fail" {
							failed = append(failed, r.Name+": "+r.Message)
						}
					}
					return &ExitError{Code: 1, Err: fmt.Errorf("image %s failed %s", args[0], strings.Join(failed, "; "))}
				}
				return nil
			},
		}
		f := cmd.Flags()
		f.BoolVar(&ci, "ci", false, "check the thresholds and exit 1 when one fails")
		f.BoolVar(&asJSON, "json", false, "print the analysis as JSON")
		f.StringVar(&source, "source", "", `where IMAGE is: "" (the store) or "docker-archive"`)
		f.StringVar(&lowestEff, "lowest-efficiency", "0.9", "with --ci, the lowest efficiency allowed (0-1, or disabled)")
		f.StringVar(&highWaste, "highest-wasted-bytes", "disabled", "with --ci, the most bytes allowed to be wasted (like 20MB, or disabled)")
		f.StringVar(&highUser, "highest-user-wasted-percent", "0.1", "with --ci, the highest fraction of user bytes allowed to be wasted (0-1, or disabled)")
		f.IntVar(&top, "top", 20, "inefficient files to list (0 for all)")
		g.AddCommand(cmd)
	})
}

// analyzeImage opens the image named on the command line and analyses it,
// caching layer indexes under the root.
func analyzeImage(cmd *cobra.Command, o *Options, source, name string) (*analyze.Result, error) {
	ctx := cmd.Context()
	a := analyze.New(o.Root)
	if rest, ok := strings.CutPrefix(name, "docker-archive:"); ok {
		source, name = "docker-archive", rest
	}
	switch source {
	case "docker-archive":
		arch, err := analyze.OpenDockerArchive(name)
		if err != nil {
			return nil, err
		}
		defer arch.Close()
		return a.Analyze(ctx, arch.ConfigFile(), arch.Layers())
	case "", "store":
		s, err := layers.Open(o.Root)
		if err != nil {
			return nil, err
		}
		img, err := s.Image(ctx, name)
		if err != nil {
			return nil, &ExitError{Code: 1, Err: err}
		}
		return a.Image(ctx, img)
	}
	return nil, fmt.Errorf("analysing image: unknown source %q (want docker-archive)", source)
}

func writeAnalysis(w io.Writer, name string, res *analyze.Result, results []analyze.RuleResult, ci, pass bool, top int) error {
	fmt.Fprintf(w, "Image: %s\n\nLayers:\n", name)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  #\tDIFF ID\tSIZE\tFILES\tCOMMAND")
	for i, l := range res.Layers {
		cmdline := l.Command
		if len(cmdline) > 80 {
			cmdline = cmdline[:77] + "..."
		}
		fmt.Fprintf(tw, "  %d\t%.19s\t%s\t%d\t%s\n", i, l.DiffID.String(), humanBytes(l.Size), l.Files, cmdline)
	}
	tw.Flush()
	wasted, user := "", "0 %"
	if res.WastedBytes > 0 {
		wasted = fmt.Sprintf(" (%s)", humanBytes(res.WastedBytes))
		user = fmt.Sprintf("%.2f %%", res.WastedUserPercent*100)
	}
	fmt.Fprintf(w, "\nAnalysis:\n  efficiency:        %.2f %%\n  wastedBytes:       %d bytes%s\n  userWastedPercent: %s\n\n",
		res.Efficiency*100, res.WastedBytes, wasted, user)
	if len(res.Inefficiencies) == 0 {
		fmt.Fprintln(w, "Inefficient Files: (None)")
	} else {
		fmt.Fprintln(w, "Inefficient Files:")
		fmt.Fprintf(w, "  %-5s  %-12s  %s\n", "Count", "Wasted Space", "File Path")
		for i, in := range res.Inefficiencies {
			if top > 0 && i == top {
				fmt.Fprintf(w, "  ... %d more (--top 0 lists all)\n", len(res.Inefficiencies)-top)
				break
			}
			fmt.Fprintf(w, "  %-5d  %-12s  %s\n", in.Count, humanBytes(uint64(in.Size)), in.Path)
		}
	}
	if ci {
		fmt.Fprintln(w, "\nEvaluation:")
		for _, r := range results {
			fmt.Fprintf(w, "  %s  %s (%s)\n", strings.ToUpper(r.Status)+":", r.Name, r.Message)
		}
		if pass {
			fmt.Fprintln(w, "\nPASS")
		} else {
			fmt.Fprintln(w, "\nFAIL")
		}
	}
	return nil
}

type analysisJSON struct {
	Image             string                 `json:"image"`
	Layers            []layerJSON            `json:"layers"`
	Efficiency        float64                `json:"efficiency"`
	SizeBytes         uint64                 `json:"sizeBytes"`
	UserSizeBytes     uint64                 `json:"userSizeBytes"`
	WastedBytes       uint64                 `json:"wastedBytes"`
	WastedUserPercent float64                `json:"wastedUserPercent"`
	Inefficiencies    []analyze.Inefficiency `json:"inefficiencies"`
	Rules             []analyze.RuleResult   `json:"rules,omitempty"`
	Pass              *bool                  `json:"pass,omitempty"`
}

type layerJSON struct {
	DiffID  string `json:"diffID"`
	Command string `json:"command"`
	Size    uint64 `json:"sizeBytes"`
	Files   int    `json:"files"`
	Cached  bool   `json:"cached"`
}

func writeAnalysisJSON(w io.Writer, name string, res *analyze.Result, results []analyze.RuleResult, ci, pass bool) error {
	out := analysisJSON{
		Image: name, Efficiency: res.Efficiency, SizeBytes: res.SizeBytes, UserSizeBytes: res.UserSizeBytes,
		WastedBytes: res.WastedBytes, WastedUserPercent: res.WastedUserPercent,
		Inefficiencies: res.Inefficiencies, Rules: results,
	}
	if out.Inefficiencies == nil {
		out.Inefficiencies = []analyze.Inefficiency{}
	}
	if ci {
		out.Pass = &pass
	}
	for _, l := range res.Layers {
		out.Layers = append(out.Layers, layerJSON{l.DiffID.String(), l.Command, l.Size, l.Files, l.Cached})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// humanBytes prints a size in SI units as go-humanize's Bytes does, which is
// how dive prints them.
func humanBytes(n uint64) string {
	if n < 10 {
		return fmt.Sprintf("%d B", n)
	}
	units := []string{"B", "kB", "MB", "GB", "TB", "PB", "EB"}
	f := float64(n)
	i := 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	// go-humanize rounds to one decimal, then drops it from 10 up.
	f = math.Floor(f*10+0.5) / 10
	if f < 10 {
		return fmt.Sprintf("%.1f %s", f, units[i])
	}
	return fmt.Sprintf("%.0f %s", f, units[i])
}
