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

// writeProgram compiles an init's program and sends it on w, which it
// closes: the init, starting meanwhile, reads it on its descriptor 4 (its
// sync socket is 3) and carries it out.
func writeProgram(w *os.File, cfg initConfig) error {
	defer w.Close()
	prog, err := compileInit(cfg)
	if err != nil {
		return err
	}
	if _, err := w.Write(prog); err != nil {
		return fmt.Errorf("sending the init its program: %w", err)
	}
	return nil
}
