package runner

import (
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// initConfig is what an init is compiled from (compileInit): a new
// container's config, its rootfs and exec FIFO, or the process to exec into
// a running container.
type initConfig struct {
	Spec   *specs.Spec
	Rootfs string
	// Fifo is the exec FIFO the init waits on before it execs.
	Fifo string
	// Process replaces Spec.Process for exec.
	Process *specs.Process
}

// sendProgram sends an init its program on w, which it closes: the init
// reads it on its descriptor 4 (its sync socket is 3) and carries it out.
func sendProgram(w *os.File, prog []byte) error {
	defer w.Close()
	if _, err := w.Write(prog); err != nil {
		return fmt.Errorf("sending the init its program: %w", err)
	}
	return nil
}
