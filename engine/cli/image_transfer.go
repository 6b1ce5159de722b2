package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine/atomicfile"
	"github.com/berth-dev/berth/layers"
)

func init() {
	register(func(root *cobra.Command, opts *Options) {
		img := group(root, "image", "Manage images")
		for _, mk := range []func(*Options) *cobra.Command{importCmd, loadCmd, saveCmd, pullCmd, pushCmd} {
			root.AddCommand(mk(opts))
			img.AddCommand(mk(opts))
		}
	})
}

func importCmd(opts *Options) *cobra.Command {
	var changes []string
	var message string
	cmd := &cobra.Command{
		Use:   "import [OPTIONS] file|- [REPOSITORY[:TAG]]",
		Short: "Import the contents from a tarball to create a filesystem image",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openImages(opts)
			if err != nil {
				return err
			}
			in, closeIn, err := openInput(args[0])
			if err != nil {
				return err
			}
			defer closeIn()
			ref := ""
			if len(args) == 2 {
				ref = args[1]
			}
			id, err := s.Import(cmd.Context(), in, ref, changes)
			if err != nil {
				return err
			}
			imageEvent(opts, "import", id.String(), ref)
			fmt.Fprintln(cmd.OutOrStdout(), id)
			return nil
		},
	}
	cmd.Flags().StringArrayVarP(&changes, "change", "c", nil, "apply Dockerfile instruction to the created image")
	cmd.Flags().StringVarP(&message, "message", "m", "", "set commit message for imported image")
	return cmd
}

func openInput(p string) (io.Reader, func(), error) {
	if p == "-" {
		return os.Stdin, func() {}, nil
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}

func loadCmd(opts *Options) *cobra.Command {
	var input string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "load [OPTIONS]",
		Short: "Load an image from a tar archive or STDIN",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openImages(opts)
			if err != nil {
				return err
			}
			in, closeIn, err := openInput(input)
			if err != nil {
				return err
			}
			defer closeIn()
			if input == "-" && onTerminal(os.Stdin) {
				return fmt.Errorf("requested load from stdin, but stdin is empty")
			}
			lines, err := s.Load(cmd.Context(), in)
			if err != nil {
				return err
			}
			for _, l := range lines {
				fmt.Fprintln(cmd.OutOrStdout(), l)
				imageEvent(opts, "load", "", strings.TrimPrefix(strings.TrimPrefix(l, "Loaded image: "), "Loaded image ID: "))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&input, "input", "i", "-", "read from tar archive file, instead of STDIN")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "suppress the load output")
	return cmd
}

func saveCmd(opts *Options) *cobra.Command {
	var output, fmtName string
	cmd := &cobra.Command{
		Use:   "save [OPTIONS] IMAGE [IMAGE...]",
		Short: "Save one or more images to a tar archive (streamed to STDOUT by default)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openImages(opts)
			if err != nil {
				return err
			}
			if fmtName != layers.FormatDockerArchive && fmtName != layers.FormatOCIArchive {
				return fmt.Errorf("unknown format %q: docker-archive or oci-archive", fmtName)
			}
			if output == "" {
				if onTerminal(os.Stdout) {
					return fmt.Errorf("cowardly refusing to save to a terminal. Use the -o flag or redirect")
				}
				return imageErr(s.Save(cmd.Context(), cmd.OutOrStdout(), fmtName, args...))
			}
			// The archive appears whole or not at all.
			var saveErr error
			err = atomicfile.WriteWith(output, 0o644, func(w io.Writer) error {
				saveErr = s.Save(cmd.Context(), w, fmtName, args...)
				return saveErr
			})
			if saveErr != nil {
				return imageErr(saveErr)
			}
			if err != nil {
				return fmt.Errorf("saving to %s: %w", output, err)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to a file, instead of STDOUT")
	cmd.Flags().StringVar(&fmtName, "format", layers.FormatDockerArchive, "archive format: docker-archive or oci-archive")
	return cmd
}

func onTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

func pullCmd(opts *Options) *cobra.Command {
	var insecure, quiet bool
	cmd := &cobra.Command{
		Use:   "pull [OPTIONS] NAME[:TAG|@DIGEST]",
		Short: "Download an image from a registry",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openImages(opts)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			ref := args[0]
			full, err := layers.NormalizeName(ref)
			if err != nil {
				return err
			}
			if !quiet {
				if !strings.Contains(ref, "@") && strings.LastIndex(ref, ":") <= strings.LastIndex(ref, "/") {
					fmt.Fprintln(out, "Using default tag: latest")
				}
				repo, tag := layers.SplitName(full)
				if _, dg, ok := strings.Cut(full, "@"); ok {
					tag = dg
				}
				fmt.Fprintf(out, "%s: Pulling from %s\n", tag, strings.SplitN(repo, "/", 2)[1])
			}
			ro := layers.RemoteOptions{Insecure: insecure}
			if !quiet {
				ro.Progress = func(p layers.Progress) {
					if p.Action != "Downloading" {
						fmt.Fprintf(out, "%s: %s\n", p.ID, p.Action)
					}
				}
			}
			pulled, err := s.Pull(cmd.Context(), ref, ro)
			if err != nil {
				return err
			}
			imageEvent(opts, "pull", pulled.String(), ref)
			img, err := s.Image(cmd.Context(), ref)
			if err != nil {
				return err
			}
			d, _ := img.Digest()
			if !quiet {
				fmt.Fprintf(out, "Digest: %s\n", d)
				fmt.Fprintf(out, "Status: Downloaded newer image for %s\n", layers.FamiliarName(full))
			}
			fmt.Fprintln(out, full)
			return nil
		},
	}
	cmd.Flags().BoolVar(&insecure, "insecure", false, "allow plain HTTP and unverified TLS to the registry")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "suppress verbose output")
	return cmd
}

func pushCmd(opts *Options) *cobra.Command {
	var insecure, quiet bool
	cmd := &cobra.Command{
		Use:   "push [OPTIONS] NAME[:TAG]",
		Short: "Upload an image to a registry",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openImages(opts)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			full, err := layers.NormalizeName(args[0])
			if err != nil {
				return err
			}
			repo, tag := layers.SplitName(full)
			if !quiet {
				fmt.Fprintf(out, "The push refers to repository [%s]\n", repo)
			}
			img, err := s.Image(cmd.Context(), args[0])
			if err != nil {
				return imageErr(err)
			}
			d, err := s.Push(cmd.Context(), args[0], layers.RemoteOptions{Insecure: insecure})
			if err != nil {
				return err
			}
			imageEvent(opts, "push", d.String(), args[0])
			raw, _ := img.RawManifest()
			fmt.Fprintf(out, "%s: digest: %s size: %d\n", tag, d, len(raw))
			return nil
		},
	}
	cmd.Flags().BoolVar(&insecure, "insecure", false, "allow plain HTTP and unverified TLS to the registry")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "suppress verbose output")
	return cmd
}
