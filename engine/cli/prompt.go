package cli

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/engine/events"
	"github.com/berth-dev/berth/engine/volume"
)

// confirm asks a yes/no question on the terminal, as docker's prune verbs do;
// without a yes (or without a terminal to answer on) it says no.
func confirm(warning string) bool {
	fmt.Printf("%s\nAre you sure you want to continue? [y/N] ", warning)
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes"
}

func errorsIsNotFound(err error) bool {
	return errors.Is(err, volume.ErrNotFound) || errors.Is(err, container.ErrNotFound)
}

func volumeEvent(action, name string) events.Event {
	return events.Event{Type: events.TypeVolume, Action: action, ID: name, Attributes: map[string]string{"driver": "local"}}
}
