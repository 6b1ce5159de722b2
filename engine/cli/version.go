package cli

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/cli/format"
	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/engine/runner/cgroups"
	"github.com/berth-dev/berth/layers"
	"github.com/berth-dev/berth/netsetup"
)

func init() {
	register(func(root *cobra.Command, opts *Options) {
		root.AddCommand(versionCmd(), infoCmd(opts))
		group(root, "system", "Manage berth").AddCommand(infoCmd(opts))
	})
}

// Version is what `berth version` reports.
type Version struct {
	Version   string `json:"Version"`
	GitCommit string `json:"GitCommit"`
	GoVersion string `json:"GoVersion"`
	Os        string `json:"Os"`
	Arch      string `json:"Arch"`
	Runtime   string `json:"Runtime"`
}

// buildVersion reads the version and commit the Go toolchain stamped into
// the binary.
func buildVersion() Version {
	v := Version{Version: "devel", GoVersion: runtime.Version(), Os: runtime.GOOS, Arch: runtime.GOARCH,
		Runtime: "built in (OCI runtime-spec " + specs.Version + ")"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		v.GitCommit = "unknown"
		return v
	}
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v.Version = bi.Main.Version
	}
	dirty := ""
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.GitCommit = s.Value[:min(12, len(s.Value))]
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if v.GitCommit == "" {
		v.GitCommit = "unknown"
	} else {
		v.GitCommit += dirty
	}
	return v
}

func versionCmd() *cobra.Command {
	var tmpl string
	cmd := &cobra.Command{
		Use: "version", Short: "Show the berth version information", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := buildVersion()
			if tmpl != "" {
				return format.Inspect(cmd.OutOrStdout(), tmpl, []any{v})
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 1, ' ', 0)
			fmt.Fprintln(tw, "berth:")
			for _, kv := range [][2]string{{"Version", v.Version}, {"Git commit", v.GitCommit}, {"Go version", v.GoVersion},
				{"OS/Arch", v.Os + "/" + v.Arch}, {"Runtime", v.Runtime}} {
				fmt.Fprintf(tw, " %s:\t%s\n", kv[0], kv[1])
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&tmpl, "format", "f", "", "format the output using a Go template")
	return cmd
}

// Info is what `berth info` reports, with docker's names where docker has
// the same figure.
type Info struct {
	Containers        int      `json:"Containers"`
	ContainersRunning int      `json:"ContainersRunning"`
	ContainersPaused  int      `json:"ContainersPaused"`
	ContainersStopped int      `json:"ContainersStopped"`
	Images            int      `json:"Images"`
	Driver            string   `json:"Driver"`
	CgroupVersion     string   `json:"CgroupVersion"`
	KernelVersion     string   `json:"KernelVersion"`
	OperatingSystem   string   `json:"OperatingSystem"`
	Architecture      string   `json:"Architecture"`
	NCPU              int      `json:"NCPU"`
	MemTotal          int64    `json:"MemTotal"`
	RootDir           string   `json:"BerthRootDir"`
	Networks          []string `json:"Networks"`
	SecurityOptions   []string `json:"SecurityOptions"`
	Version           Version  `json:"ServerVersion"`
}

func infoCmd(opts *Options) *cobra.Command {
	var tmpl string
	cmd := &cobra.Command{
		Use: "info", Short: "Display system-wide information", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := openEngine(cmd.Context(), opts)
			if err != nil {
				return err
			}
			in, err := gatherInfo(cmd, e, opts)
			if err != nil {
				return err
			}
			if tmpl != "" {
				return format.Inspect(cmd.OutOrStdout(), tmpl, []any{in})
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 1, ' ', 0)
			fmt.Fprintf(tw, "Containers:\t%d\n Running:\t%d\n Paused:\t%d\n Stopped:\t%d\n", in.Containers, in.ContainersRunning, in.ContainersPaused, in.ContainersStopped)
			fmt.Fprintf(tw, "Images:\t%d\n", in.Images)
			fmt.Fprintf(tw, "Server Version:\t%s\n", in.Version.Version)
			fmt.Fprintf(tw, "Storage Driver:\t%s\n", in.Driver)
			fmt.Fprintf(tw, "Cgroup Version:\t%s\n", in.CgroupVersion)
			fmt.Fprintf(tw, "Runtime:\t%s\n", in.Version.Runtime)
			fmt.Fprintf(tw, "Networks:\t%s\n", strings.Join(in.Networks, " "))
			fmt.Fprintf(tw, "Security Options:\t%s\n", strings.Join(in.SecurityOptions, ", "))
			fmt.Fprintf(tw, "Kernel Version:\t%s\n", in.KernelVersion)
			fmt.Fprintf(tw, "Operating System:\t%s\n", in.OperatingSystem)
			fmt.Fprintf(tw, "Architecture:\t%s\n", in.Architecture)
			fmt.Fprintf(tw, "CPUs:\t%d\n", in.NCPU)
			fmt.Fprintf(tw, "Total Memory:\t%s\n", format.BinarySize(in.MemTotal))
			fmt.Fprintf(tw, "Berth Root Dir:\t%s\n", in.RootDir)
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&tmpl, "format", "f", "", "format the output using a Go template")
	return cmd
}

func gatherInfo(cmd *cobra.Command, e *engine.Engine, opts *Options) (Info, error) {
	in := Info{RootDir: opts.Root, Architecture: runtime.GOARCH, NCPU: runtime.NumCPU(), Version: buildVersion(),
		CgroupVersion: "1", SecurityOptions: []string{"seccomp (docker's default profile)", "capabilities (docker's 14)", "masked and read-only paths"}}
	recs, err := e.Containers.List()
	if err != nil {
		return in, err
	}
	for _, r := range recs {
		in.Containers++
		switch r.State.Status {
		case container.Running, container.Restarting:
			in.ContainersRunning++
		case container.Paused:
			in.ContainersPaused++
		default:
			in.ContainersStopped++
		}
	}
	if s, ok := e.Images.(*layers.Store); ok {
		if imgs, err := s.List(cmd.Context()); err == nil {
			in.Images = len(imgs)
		}
	}
	if s, ok := e.Snapshots.(*engine.SnapshotStore); ok {
		in.Driver = s.SN.Name()
	}
	if cgroups.IsV2() {
		in.CgroupVersion = "2"
	}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		in.KernelVersion = unix.ByteSliceToString(u.Release[:])
	}
	in.OperatingSystem = osName()
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) == nil {
		in.MemTotal = int64(si.Totalram) * int64(si.Unit)
	}
	if s, err := networkStore(opts); err == nil {
		if nws, err := s.List(); err == nil {
			for _, n := range nws {
				in.Networks = append(in.Networks, n.Name)
			}
		}
	}
	if len(in.Networks) == 0 {
		in.Networks = []string{netsetup.DefaultNetwork}
	}
	return in, nil
}

// osName is /etc/os-release's PRETTY_NAME.
func osName() string {
	f, err := os.Open("/etc/os-release")
	if err != nil {
		return runtime.GOOS
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return runtime.GOOS
}
