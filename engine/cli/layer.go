package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/layers/archive"
)

func init() {
	register(func(root *cobra.Command, opts *Options) {
		layer := &cobra.Command{Use: "layer", Short: "Work with layer archives", Hidden: true}
		var overlay bool
		unpack := &cobra.Command{
			Use:   "unpack FILE DIR",
			Short: "Unpack a layer (tar, gzip or zstd) into a directory, safely",
			Args:  cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				r, err := archive.Decompress(f)
				if err != nil {
					return err
				}
				defer r.Close()
				if err := os.MkdirAll(args[1], 0o755); err != nil {
					return err
				}
				o := archive.Options{}
				if overlay {
					o.Whiteouts = archive.OverlayWhiteouts
				}
				st, err := archive.Unpack(cmd.Context(), r, args[1], o)
				if err != nil {
					return err
				}
				fmt.Fprintf(os.Stderr, "%d entries, %d bytes\n", st.Entries, st.Bytes)
				return nil
			},
		}
		unpack.Flags().BoolVar(&overlay, "overlay", false, "keep whiteouts in overlayfs form")
		layer.AddCommand(unpack)
		root.AddCommand(layer)
	})
}
