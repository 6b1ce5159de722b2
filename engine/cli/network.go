package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/engine/events"
	"github.com/berth-dev/berth/netsetup"
)

func init() {
	register(func(root *cobra.Command, opts *Options) {
		net := group(root, "network", "Manage networks")
		net.AddCommand(networkCreateCmd(opts), networkLsCmd(opts), networkInspectCmd(opts), networkRmCmd(opts), networkPruneCmd(opts),
			networkConnectCmd(opts), networkDisconnectCmd(opts))
		root.AddCommand(portCmd(opts))
		group(root, "container", "Manage containers").AddCommand(portCmd(opts))
	})
}

func networkStore(opts *Options) (*netsetup.Store, error) {
	return netsetup.OpenStore(filepath.Join(opts.Root, engine.NetworksDir))
}

// networkErr gives docker's exit codes: 1 for a network that is not there
// or in use.
func networkErr(err error) error {
	if errors.Is(err, netsetup.ErrNetworkNotFound) || errors.Is(err, netsetup.ErrNetworkInUse) || errors.Is(err, netsetup.ErrNetworkExists) {
		return &ExitError{Code: 1, Err: err}
	}
	return err
}

func networkCreateCmd(opts *Options) *cobra.Command {
	var subnet, gateway, driver string
	var labels []string
	cmd := &cobra.Command{
		Use: "create [OPTIONS] NETWORK", Short: "Create a bridge network", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if driver != "bridge" {
				return fmt.Errorf("--driver %q: only bridge networks are supported", driver)
			}
			ls := map[string]string{}
			for _, l := range labels {
				k, v, _ := strings.Cut(l, "=")
				ls[k] = v
			}
			s, err := networkStore(opts)
			if err != nil {
				return err
			}
			n, err := s.Create(args[0], subnet, gateway, ls)
			if err != nil {
				return networkErr(err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), n.ID)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&subnet, "subnet", "", "subnet in CIDR format, checked against the host's routes and other networks")
	f.StringVar(&gateway, "gateway", "", "gateway address in the subnet")
	f.StringVarP(&driver, "driver", "d", "bridge", "driver (bridge)")
	f.StringArrayVar(&labels, "label", nil, "set metadata on the network")
	return cmd
}

func networkLsCmd(opts *Options) *cobra.Command {
	var quiet bool
	cmd := &cobra.Command{
		Use: "ls", Aliases: []string{"list"}, Short: "List networks", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := networkStore(opts)
			if err != nil {
				return err
			}
			if _, err := s.Get(netsetup.DefaultNetwork); err != nil {
				return err
			}
			ns, err := s.List()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if quiet {
				for _, n := range ns {
					fmt.Fprintln(out, n.ID[:12])
				}
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 4, 3, ' ', 0)
			fmt.Fprintln(tw, "NETWORK ID\tNAME\tDRIVER\tSUBNET\tGATEWAY")
			for _, n := range ns {
				fmt.Fprintf(tw, "%s\t%s\tbridge\t%s\t%s\n", n.ID[:12], n.Name, n.Subnet, n.Gateway)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "only display network IDs")
	return cmd
}

// networkView is `network inspect`'s JSON, in docker's shape.
type networkView struct {
	Name       string                  `json:"Name"`
	ID         string                  `json:"Id"`
	Created    string                  `json:"Created"`
	Driver     string                  `json:"Driver"`
	IPAM       map[string]any          `json:"IPAM"`
	Options    map[string]string       `json:"Options"`
	Labels     map[string]string       `json:"Labels"`
	Containers map[string]endpointView `json:"Containers"`
}

type endpointView struct {
	Name        string `json:"Name"`
	MacAddress  string `json:"MacAddress"`
	IPv4Address string `json:"IPv4Address"`
}

func networkInspectCmd(opts *Options) *cobra.Command {
	return &cobra.Command{
		Use: "inspect NETWORK [NETWORK...]", Short: "Display detailed information on one or more networks", Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := networkStore(opts)
			if err != nil {
				return err
			}
			e, err := openEngine(cmd.Context(), opts)
			if err != nil {
				return err
			}
			recs, err := e.Containers.List()
			if err != nil {
				return err
			}
			var views []networkView
			for _, name := range args {
				n, err := s.Get(name)
				if err != nil {
					return networkErr(err)
				}
				v := networkView{Name: n.Name, ID: n.ID, Created: n.Created.Format("2006-01-02T15:04:05.999999999Z07:00"), Driver: "bridge",
					IPAM:       map[string]any{"Driver": "default", "Config": []map[string]string{{"Subnet": n.Subnet.String(), "Gateway": n.Gateway.String()}}},
					Options:    map[string]string{"com.docker.network.bridge.name": n.Bridge},
					Labels:     n.Labels,
					Containers: map[string]endpointView{}}
				for _, r := range recs {
					for _, ep := range r.Network {
						if ep.Network == n.Name && r.State.Status == "running" {
							v.Containers[r.ID] = endpointView{Name: r.Name, MacAddress: ep.MAC, IPv4Address: fmt.Sprintf("%s/%d", ep.IP, n.Subnet.Bits())}
						}
					}
				}
				views = append(views, v)
			}
			b, _ := json.MarshalIndent(views, "", "    ")
			fmt.Fprintln(cmd.OutOrStdout(), string(b))
			return nil
		},
	}
}

func networkRmCmd(opts *Options) *cobra.Command {
	return &cobra.Command{
		Use: "rm NETWORK [NETWORK...]", Aliases: []string{"remove"}, Short: "Remove one or more networks", Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := networkStore(opts)
			if err != nil {
				return err
			}
			var failed error
			for _, name := range args {
				if err := s.Remove(name); err != nil {
					failed = networkErr(err)
					fmt.Fprintln(cmd.ErrOrStderr(), "Error:", err)
					continue
				}
				fmt.Fprintln(cmd.OutOrStdout(), name)
			}
			if failed != nil {
				return &ExitError{Code: 1}
			}
			return nil
		},
	}
}

func networkConnectCmd(opts *Options) *cobra.Command {
	var aliases []string
	cmd := &cobra.Command{
		Use: "connect [OPTIONS] NETWORK CONTAINER", Short: "Connect a container to a network", Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return changeMembership(cmd, opts, "connect", args[0], args[1], func(nw *engine.Networker) (*container.Record, error) {
				return nw.Connect(cmd.Context(), args[1], args[0], aliases)
			})
		},
	}
	cmd.Flags().StringSliceVar(&aliases, "alias", nil, "add a network-scoped alias for the container")
	return cmd
}

func networkDisconnectCmd(opts *Options) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use: "disconnect [OPTIONS] NETWORK CONTAINER", Short: "Disconnect a container from a network", Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return changeMembership(cmd, opts, "disconnect", args[0], args[1], func(nw *engine.Networker) (*container.Record, error) {
				return nw.Disconnect(cmd.Context(), args[1], args[0])
			})
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "accepted for docker compatibility: berth always disconnects at once")
	return cmd
}

// changeMembership runs a connect or disconnect and journals it in docker's
// form: the network's ID, with the container and the network's name.
func changeMembership(cmd *cobra.Command, opts *Options, action, network, ref string, change func(*engine.Networker) (*container.Record, error)) error {
	e, err := openEngine(cmd.Context(), opts)
	if err != nil {
		return err
	}
	nw, err := engine.NewNetworker(opts.Root, e.Containers)
	if err != nil {
		return err
	}
	rec, err := change(nw)
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	if n, err := nw.Networks.Get(network); err == nil {
		e.Events.Append(events.Event{Type: events.TypeNetwork, Action: action, ID: n.ID,
			Attributes: map[string]string{"container": rec.ID, "name": n.Name, "type": "bridge"}})
	}
	return nil
}

func networkPruneCmd(opts *Options) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use: "prune", Short: "Remove all networks no container uses", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !force && !confirm("WARNING! This will remove all custom networks not used by at least one container.") {
				return nil
			}
			removed, err := pruneNetworks(opts)
			if err != nil {
				return err
			}
			if len(removed) > 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "Deleted Networks:")
				for _, n := range removed {
					fmt.Fprintln(cmd.OutOrStdout(), n)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not prompt for confirmation")
	return cmd
}

// pruneNetworks removes the user-defined networks no running container is
// on, and returns their names.
func pruneNetworks(opts *Options) ([]string, error) {
	s, err := networkStore(opts)
	if err != nil {
		return nil, err
	}
	ns, err := s.List()
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, n := range ns {
		if n.Name == netsetup.DefaultNetwork {
			continue
		}
		if err := s.Remove(n.Name); err == nil {
			removed = append(removed, n.Name)
		}
	}
	return removed, nil
}

func portCmd(opts *Options) *cobra.Command {
	return &cobra.Command{
		Use: "port CONTAINER [PRIVATE_PORT[/PROTO]]", Short: "List port mappings or a specific mapping for the container", Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := openEngine(cmd.Context(), opts)
			if err != nil {
				return err
			}
			id, err := e.Containers.Resolve(args[0])
			if err != nil {
				return notFound(err)
			}
			rec, err := e.Containers.Get(id)
			if err != nil {
				return notFound(err)
			}
			var lines []string
			for _, ep := range rec.Network {
				for _, p := range ep.Ports {
					host, ctr, _ := strings.Cut(p, "->")
					if len(args) == 2 {
						want := args[1]
						if !strings.Contains(want, "/") {
							want += "/tcp"
						}
						if ctr != want {
							continue
						}
						lines = append(lines, host)
						continue
					}
					lines = append(lines, ctr+" -> "+host)
				}
			}
			if len(args) == 2 && len(lines) == 0 {
				return &ExitError{Code: 1, Err: fmt.Errorf("no public port '%s' published for %s", args[1], rec.Name)}
			}
			sort.Strings(lines)
			for _, l := range lines {
				fmt.Fprintln(cmd.OutOrStdout(), l)
			}
			return nil
		},
	}
}
