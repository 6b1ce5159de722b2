package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/cli/format"
	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/engine/volume"
	"github.com/berth-dev/berth/layers"
)

// openImages opens the image store under the root, knowing which images the
// root's containers use.
func openImages(opts *Options) (*layers.Store, error) {
	s, err := layers.Open(opts.Root)
	if err != nil {
		return nil, err
	}
	e, err := engine.Open(opts.Root)
	if err != nil {
		return nil, err
	}
	s.InUse = e.ImageInUse
	return s, nil
}

// imageErr gives docker's exit code 1 to an unknown image.
func imageErr(err error) error {
	if errors.Is(err, layers.ErrNotFound) {
		return &ExitError{Code: 1, Err: err}
	}
	return err
}

// imageRow is one line of `images`, with docker's --format field names.
type imageRow struct {
	ID, Repository, Tag, Digest, CreatedSince, CreatedAt, Size string
}

var imageHeaders = map[string]string{"ID": "IMAGE ID", "Repository": "REPOSITORY", "Tag": "TAG", "Digest": "DIGEST",
	"CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "Size": "SIZE"}

func init() {
	register(func(root *cobra.Command, opts *Options) {
		img := group(root, "image", "Manage images")
		root.AddCommand(imagesCmd(opts, "images [OPTIONS] [REPOSITORY[:TAG]]"))
		img.AddCommand(imagesCmd(opts, "ls [OPTIONS] [REPOSITORY[:TAG]]", "list"))
		root.AddCommand(tagCmd(opts, "tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]"))
		img.AddCommand(tagCmd(opts, "tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]"))
		root.AddCommand(rmiCmd(opts, "rmi [OPTIONS] IMAGE [IMAGE...]"))
		img.AddCommand(rmiCmd(opts, "rm [OPTIONS] IMAGE [IMAGE...]", "remove", "rmi"))
		root.AddCommand(historyCmd(opts))
		img.AddCommand(historyCmd(opts))
		img.AddCommand(imageInspectCmd(opts))
		img.AddCommand(imagePruneCmd(opts))
		group(root, "system", "Manage berth").AddCommand(systemDfCmd(opts))
	})
}

func imagesCmd(opts *Options, use string, aliases ...string) *cobra.Command {
	var all, quiet, digests, noTrunc bool
	var filters []string
	var tmpl string
	cmd := &cobra.Command{
		Use:     use,
		Aliases: aliases,
		Short:   "List images",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openImages(opts)
			if err != nil {
				return err
			}
			list, err := s.List(cmd.Context())
			if err != nil {
				return err
			}
			var dangling *bool
			for _, f := range filters {
				k, v, _ := strings.Cut(f, "=")
				if k != "dangling" || (v != "true" && v != "false") {
					return fmt.Errorf("invalid filter %q (berth knows dangling=true|false)", f)
				}
				b := v == "true"
				dangling = &b
			}
			now := time.Now()
			var rows []any
			seen := map[v1.Hash]bool{}
			for _, im := range list {
				if dangling != nil && im.Dangling != *dangling {
					continue
				}
				id := im.ID.String()
				if !noTrunc {
					id = im.ID.Hex[:12]
				}
				if quiet {
					if !seen[im.ID] {
						seen[im.ID] = true
						fmt.Fprintln(cmd.OutOrStdout(), id)
					}
					continue
				}
				base := imageRow{ID: id, Digest: "<none>", CreatedSince: format.Ago(im.Created, now),
					CreatedAt: im.Created.Format("2006-01-02 15:04:05 -0700 MST"), Size: format.Size(im.Size)}
				names := im.Names
				if len(names) == 0 {
					names = []string{""}
				}
				for _, n := range names {
					r := base
					r.Repository, r.Tag = "<none>", "<none>"
					if n != "" {
						r.Repository, r.Tag = layers.SplitName(layers.FamiliarName(n))
						r.Digest = im.Digest.String()
					}
					if len(args) == 1 && !matchRepo(args[0], r.Repository, r.Tag) {
						continue
					}
					rows = append(rows, r)
				}
			}
			if quiet {
				return nil
			}
			f := tmpl
			if f == "" {
				f = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
				if digests {
					f = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
				}
			}
			t, err := format.Parse(f)
			if err != nil {
				return err
			}
			return t.Execute(cmd.OutOrStdout(), imageHeaders, rows)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&all, "all", "a", false, "show all images (berth keeps no intermediate images)")
	fl.BoolVarP(&quiet, "quiet", "q", false, "only show image IDs")
	fl.BoolVar(&digests, "digests", false, "show digests")
	fl.BoolVar(&noTrunc, "no-trunc", false, "don't truncate output")
	fl.StringArrayVarP(&filters, "filter", "f", nil, "filter output based on conditions provided (dangling=true|false)")
	fl.StringVar(&tmpl, "format", "", "format output using a Go template, 'table …' or 'json'")
	return cmd
}

// matchRepo says whether a `images REPOSITORY[:TAG]` argument matches a row.
func matchRepo(arg, repo, tag string) bool {
	r, t := layers.SplitName(layers.FamiliarName(arg))
	if !strings.Contains(arg, ":") || strings.LastIndex(arg, ":") < strings.LastIndex(arg, "/") {
		t = tag
	}
	if full, err := layers.NormalizeName(repo + ":x"); err == nil {
		if fa, err := layers.NormalizeName(r + ":x"); err == nil {
			return full == fa && t == tag
		}
	}
	return r == repo && t == tag
}

func tagCmd(opts *Options, use string) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openImages(opts)
			if err != nil {
				return err
			}
			if err := s.Tag(cmd.Context(), args[0], args[1]); err != nil {
				return imageErr(err)
			}
			imageEvent(opts, "tag", args[0], args[1])
			return nil
		},
	}
}

func rmiCmd(opts *Options, use string, aliases ...string) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:     use,
		Aliases: aliases,
		Short:   "Remove one or more images",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openImages(opts)
			if err != nil {
				return err
			}
			var failed error
			for _, a := range args {
				id := ""
				if img, err := s.Image(cmd.Context(), a); err == nil {
					if h, err := img.ConfigName(); err == nil {
						id = h.String()
					}
				}
				lines, err := s.Remove(cmd.Context(), a, force)
				for _, l := range lines {
					fmt.Fprintln(cmd.OutOrStdout(), l)
				}
				removalEvents(opts, id, lines)
				if err != nil {
					fmt.Fprintf(os.Stderr, "berth: %v\n", err)
					failed = err
				}
			}
			collectSnapshots(cmd.Context(), opts)
			if failed != nil {
				return &ExitError{Code: 1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "force removal of the image")
	return cmd
}

func historyCmd(opts *Options) *cobra.Command {
	var noTrunc, quiet, human bool
	cmd := &cobra.Command{
		Use:   "history [OPTIONS] IMAGE",
		Short: "Show the history of an image",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openImages(opts)
			if err != nil {
				return err
			}
			hist, err := s.History(cmd.Context(), args[0])
			if err != nil {
				return imageErr(err)
			}
			out := cmd.OutOrStdout()
			if quiet {
				for _, h := range hist {
					fmt.Fprintln(out, shortID(h.ID, noTrunc))
				}
				return nil
			}
			t, _ := format.Parse("table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}")
			now := time.Now()
			var rows []any
			for _, h := range hist {
				by := strings.ReplaceAll(h.CreatedBy, "\t", " ")
				if !noTrunc && len(by) > 45 {
					by = by[:44] + "…"
				}
				created := format.Ago(h.Created, now)
				if h.Created.IsZero() {
					created = "N/A"
				}
				size := format.Size(h.Size)
				if !human {
					size = fmt.Sprint(h.Size)
				}
				rows = append(rows, struct{ ID, CreatedSince, CreatedBy, Size, Comment string }{shortID(h.ID, noTrunc), created, by, size, h.Comment})
			}
			return t.Execute(out, map[string]string{"ID": "IMAGE", "CreatedSince": "CREATED", "CreatedBy": "CREATED BY", "Size": "SIZE", "Comment": "COMMENT"}, rows)
		},
	}
	cmd.Flags().BoolVar(&noTrunc, "no-trunc", false, "don't truncate output")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "only show image IDs")
	cmd.Flags().BoolVarP(&human, "human", "H", true, "print sizes and dates in human readable format")
	return cmd
}

func shortID(id string, noTrunc bool) string {
	if noTrunc || !strings.HasPrefix(id, "sha256:") {
		return id
	}
	return strings.TrimPrefix(id, "sha256:")[:12]
}

func imageInspectCmd(opts *Options) *cobra.Command {
	var tmpl string
	cmd := &cobra.Command{
		Use:   "inspect [OPTIONS] IMAGE [IMAGE...]",
		Short: "Display detailed information on one or more images",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openImages(opts)
			if err != nil {
				return err
			}
			var out []any
			for _, a := range args {
				in, err := s.Inspect(cmd.Context(), a)
				if err != nil {
					return imageErr(err)
				}
				out = append(out, in)
			}
			return printInspect(out, tmpl)
		},
	}
	cmd.Flags().StringVarP(&tmpl, "format", "f", "", "format output using a Go template")
	return cmd
}

func imagePruneCmd(opts *Options) *cobra.Command {
	var all, yes bool
	cmd := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove unused images",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openImages(opts)
			if err != nil {
				return err
			}
			warning := "WARNING! This will remove all dangling images."
			if all {
				warning = "WARNING! This will remove all images without at least one container associated to them."
			}
			if !yes && !confirm(warning) {
				return nil
			}
			lines, n, err := s.Prune(cmd.Context(), all)
			n += collectSnapshots(cmd.Context(), opts)
			out := cmd.OutOrStdout()
			if len(lines) > 0 {
				fmt.Fprintln(out, "Deleted Images:")
				for _, l := range lines {
					fmt.Fprintln(out, strings.ToLower(l[:1])+l[1:])
				}
				fmt.Fprintln(out)
			}
			fmt.Fprintf(out, "Total reclaimed space: %s\n", format.Size(n))
			return err
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "remove all unused images, not just dangling ones")
	cmd.Flags().BoolVarP(&yes, "force", "f", false, "do not prompt for confirmation")
	return cmd
}

func systemDfCmd(opts *Options) *cobra.Command {
	return &cobra.Command{
		Use:   "df",
		Short: "Show berth disk usage",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openImages(opts)
			if err != nil {
				return err
			}
			du, err := s.DiskUsage(context.WithoutCancel(cmd.Context()))
			if err != nil {
				return err
			}
			type dfRow struct{ Type, Total, Active, Size, Reclaimable string }
			mk := func(typ string, total, active int, size, reclaimable int64) dfRow {
				pct := int64(0)
				if size > 0 {
					pct = reclaimable * 100 / size
				}
				return dfRow{typ, fmt.Sprint(total), fmt.Sprint(active), format.Size(size), fmt.Sprintf("%s (%d%%)", format.Size(reclaimable), pct)}
			}
			rows := []any{mk("Images", du.Images, du.Active, du.Size, du.Reclaimable)}
			cs, err := container.Open(filepath.Join(opts.Root, "containers"))
			if err != nil {
				return err
			}
			recs, err := cs.List()
			if err != nil {
				return err
			}
			active, used := 0, map[string]bool{}
			for _, r := range recs {
				if r.State.Status == container.Running || r.State.Status == container.Paused {
					active++
				}
				for _, m := range r.Config.Mounts {
					if m.Type == "volume" {
						used[m.Source] = true
					}
				}
			}
			// A container's size is what its own snapshot holds; a stopped
			// container's is reclaimable.
			var csize, cfree int64
			if snaps, err := engine.NewSnapshotStore(opts.Root); err == nil {
				for _, r := range recs {
					n, _ := snaps.Usage(cmd.Context(), r.ID)
					csize += n
					if r.State.Status != container.Running && r.State.Status != container.Paused {
						cfree += n
					}
				}
			}
			rows = append(rows, mk("Containers", len(recs), active, csize, cfree))
			vs, err := volume.Open(filepath.Join(opts.Root, "volumes"))
			if err != nil {
				return err
			}
			vols, err := vs.List()
			if err != nil {
				return err
			}
			var vsize, vfree int64
			vactive := 0
			for _, v := range vols {
				n, _ := volume.Size(v.Mountpoint)
				vsize += n
				if used[v.Name] {
					vactive++
				} else {
					vfree += n
				}
			}
			rows = append(rows, mk("Local Volumes", len(vols), vactive, vsize, vfree))
			t, _ := format.Parse("table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}")
			return t.Execute(cmd.OutOrStdout(), map[string]string{"Type": "TYPE", "Total": "TOTAL", "Active": "ACTIVE", "Size": "SIZE", "Reclaimable": "RECLAIMABLE"}, rows)
		},
	}
}
