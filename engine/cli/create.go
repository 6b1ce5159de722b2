package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/layers"
	"github.com/berth-dev/berth/layers/archive"
	"github.com/berth-dev/berth/netsetup"
)

func init() {
	register(func(root *cobra.Command, opts *Options) {
		ctr := group(root, "container", "Manage containers")
		for _, mk := range []func(*Options) *cobra.Command{createCmd, diffCmd, commitCmd, cpCmd} {
			root.AddCommand(mk(opts))
			ctr.AddCommand(mk(opts))
		}
	})
}

func createCmd(opts *Options) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "create [OPTIONS] IMAGE [COMMAND] [ARG...]",
		Short: "Create a new container",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := f.options(cmd.Flags(), args[1:])
			if err != nil {
				return err
			}
			e, err := openEngine(cmd.Context(), opts)
			if err != nil {
				return err
			}
			rec, err := e.Create(cmd.Context(), args[0], o)
			if err != nil {
				return createError(err)
			}
			fmt.Println(rec.ID)
			return nil
		},
	}
	cmd.Flags().Bool("help", false, "help for create") // -h is --hostname, as in docker
	f.add(cmd.Flags())
	return cmd
}

// createError gives docker's exit code 125 and a docker-like line.
func createError(err error) error {
	switch {
	case errors.Is(err, layers.ErrNotFound):
		return &ExitError{Code: 125, Err: fmt.Errorf("unable to find image: %w", err)}
	case errors.Is(err, container.ErrNameInUse), errors.Is(err, engine.ErrNoCommand), errors.Is(err, netsetup.ErrBadPort):
		return &ExitError{Code: 125, Err: err}
	}
	return err
}

func diffCmd(opts *Options) *cobra.Command {
	return &cobra.Command{
		Use:   "diff CONTAINER",
		Short: "Inspect changes to files or directories on a container's filesystem",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := openEngine(cmd.Context(), opts)
			if err != nil {
				return err
			}
			changes, err := e.Diff(cmd.Context(), args[0])
			if err != nil {
				return notFound(err)
			}
			for _, c := range changes {
				fmt.Printf("%c %s\n", c.Kind, c.Path)
			}
			return nil
		},
	}
}

func commitCmd(opts *Options) *cobra.Command {
	var co engine.CommitOptions
	cmd := &cobra.Command{
		Use:   "commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
		Short: "Create a new image from a container's changes",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := openEngine(cmd.Context(), opts)
			if err != nil {
				return err
			}
			ref := ""
			if len(args) == 2 {
				ref = args[1]
			}
			id, err := e.Commit(cmd.Context(), args[0], ref, co)
			if err != nil {
				return notFound(err)
			}
			fmt.Println(id)
			return nil
		},
	}
	cmd.Flags().StringArrayVarP(&co.Changes, "change", "c", nil, "apply Dockerfile instruction to the created image")
	cmd.Flags().StringVarP(&co.Message, "message", "m", "", "commit message")
	cmd.Flags().StringVarP(&co.Author, "author", "a", "", "author")
	return cmd
}

// cpCmd copies between a container and the host: CONTAINER:PATH on one side,
// a host path or - (a tar stream on stdin or stdout) on the other.
func cpCmd(opts *Options) *cobra.Command {
	var archiveMode bool
	cmd := &cobra.Command{
		Use:   "cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n  berth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
		Short: "Copy files/folders between a container and the local filesystem",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := openEngine(cmd.Context(), opts)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			srcC, srcPath, fromContainer := strings.Cut(args[0], ":")
			dstC, dstPath, toContainer := strings.Cut(args[1], ":")
			switch {
			case fromContainer && toContainer:
				return errors.New("copying between containers is not supported")
			case fromContainer:
				if args[1] == "-" {
					return notFound(e.CopyFrom(ctx, srcC, srcPath, os.Stdout))
				}
				return copyOut(cmd, e, srcC, srcPath, args[1], archiveMode)
			case toContainer:
				if args[0] == "-" {
					return notFound(e.CopyTo(ctx, dstC, dstPath, os.Stdin, archiveMode))
				}
				return notFound(e.CopyPathTo(ctx, dstC, args[0], dstPath, archiveMode))
			}
			return errors.New("one of the paths must name a container: CONTAINER:PATH")
		},
	}
	cmd.Flags().BoolVarP(&archiveMode, "archive", "a", false, "archive mode (copy all uid/gid information)")
	return cmd
}

// copyOut unpacks what the container holds at src into the host path dst:
// into dst when it is a directory, else as dst.
func copyOut(cmd *cobra.Command, e *engine.Engine, ref, src, dst string, keepOwners bool) error {
	ctx := cmd.Context()
	into := dst
	rename := ""
	if fi, err := os.Stat(dst); err != nil || !fi.IsDir() {
		tmp, err := os.MkdirTemp(filepath.Dir(dst), ".berth-cp-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		into, rename = tmp, dst
	}
	pr, pw := io.Pipe()
	copied := make(chan error, 1)
	go func() {
		err := e.CopyFrom(ctx, ref, src, pw)
		pw.CloseWithError(err)
		copied <- err
	}()
	if _, err := archive.Unpack(ctx, pr, into, archive.Options{NoChown: !keepOwners}); err != nil {
		pr.CloseWithError(err)
		// The container side's error says what is wrong; the unpacking
		// error only that the stream ended.
		if cerr := <-copied; cerr != nil {
			return notFound(fmt.Errorf("copying %s:%s: %w", ref, src, cerr))
		}
		return err
	}
	// Wait for the container side to finish: it unmounts the rootfs it
	// mounted for the copy, which must not outlive this process.
	if err := <-copied; err != nil {
		return err
	}
	if rename != "" {
		return os.Rename(filepath.Join(into, filepath.Base(filepath.Clean("/"+src))), rename)
	}
	return nil
}
