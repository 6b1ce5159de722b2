package runner

import (
	"encoding/json"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-dev/berth/engine/runner/seccomp"
)

// The init gets the seccomp filter berth compiled, through the config's
// JSON, instruction for instruction; the spec it gets leaves the profile out.
func TestConfigCarriesTheCompiledSeccompFilter(t *testing.T) {
	profile := seccomp.Default([]string{"CAP_CHOWN", "CAP_KILL"})
	spec := &specs.Spec{Process: &specs.Process{Args: []string{"true"}}, Linux: &specs.Linux{Seccomp: profile}}
	cfg, err := initConfig{Spec: spec}.withCompiledSeccomp()
	if err != nil {
		t.Fatal(err)
	}
	if spec.Linux.Seccomp != profile {
		t.Fatal("compiling changed the caller's spec")
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var got initConfig
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Spec.Linux.Seccomp != nil {
		t.Error("the init's spec still carries the profile")
	}
	prog, err := got.Seccomp.program()
	if err != nil {
		t.Fatal(err)
	}
	want, err := seccomp.Compile(profile)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(prog, want) {
		t.Fatalf("the init would install %d instructions, not the %d compiled", len(prog), len(want))
	}
	if _, err := (&compiledSeccomp{Filter: make([]byte, 12)}).program(); err == nil {
		t.Error("a filter that is not whole instructions was accepted")
	}
}
