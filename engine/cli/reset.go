package cli

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine"
)

// systemResetCmd takes a berth root back to nothing, as `podman system
// reset` does: every container stopped and removed, every network with its
// bridge and nftables rules (the default one too), every mount under the
// root, then the root itself with its images, volumes and build cache.
func systemResetCmd(opts *Options) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "reset [OPTIONS]",
		Short: "Remove all containers, images, volumes, networks and build cache, and berth's host state for this root",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !yes && !confirm("WARNING! This will remove every container, image, volume, network and the build cache under "+opts.Root+".") {
				return nil
			}
			e, err := openEngine(cmd.Context(), opts)
			if err != nil {
				return err
			}
			recs, err := e.Containers.List()
			if err != nil {
				return err
			}
			var errs []error
			for _, r := range recs {
				if err := e.Remove(cmd.Context(), r.ID, true, true); err != nil {
					errs = append(errs, fmt.Errorf("removing container %s: %w", r.Name, err))
				}
			}
			// Containers the runtime still runs without a record (one
			// deleted by hand) go too, before their network.
			errs = append(errs, engine.NewRuntime(opts.Root).DeleteAll())
			if s, err := networkStore(opts); err == nil {
				errs = append(errs, s.Destroy())
			}
			if err := errors.Join(errs...); err != nil {
				return fmt.Errorf("reset stopped before removing %s: %w", opts.Root, err)
			}
			unmountUnder(opts.Root)
			if err := os.RemoveAll(opts.Root); err != nil {
				return fmt.Errorf("removing %s: %w", opts.Root, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed %s\n", opts.Root)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "force", "f", false, "do not prompt for confirmation")
	return cmd
}

// unmountUnder detaches every mount below dir, deepest first.
func unmountUnder(dir string) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return
	}
	defer f.Close()
	var points []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], abs+"/") {
			points = append(points, fields[4])
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(points)))
	for _, p := range points {
		_ = unix.Unmount(p, unix.MNT_DETACH)
	}
}
