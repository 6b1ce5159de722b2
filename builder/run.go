package builder

import (
	"github.com/berth-dev/berth/builder/dockerfile"
)

// doRun runs a RUN step through the StepRunner.
func (s *stageState) doRun(in *dockerfile.Instruction) error {
	if s.b.opts.Runner == nil {
		return in.Errorf(ErrNoRunner, "RUN needs the container runner, which this build has not got")
	}
	return in.Errorf(ErrNoRunner, "RUN through a step runner is not wired into the builder yet")
}
