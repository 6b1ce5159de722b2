// Package builder turns a Dockerfile and a build context into an image. It
// evaluates the Dockerfile itself (stages, ARG and ENV scoping, ONBUILD),
// makes COPY and ADD layers straight from the context, runs RUN steps
// through a StepRunner the engine provides, explains its cache, and reports
// its progress as plain values on a channel.
package builder

import (
	"context"
	"github.com/berth-dev/berth/layers/snapshot"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/builder/progress"
)

// ImageSource gives the builder base images and COPY --from images by name;
// berth's image store (layers.Store) is one.
type ImageSource interface {
	Image(ctx context.Context, ref string) (v1.Image, error)
}

// ImageSink receives the built image under its names; berth's image store
// (layers.Store) is one.
type ImageSink interface {
	Write(ctx context.Context, img v1.Image, names ...string) (v1.Hash, error)
}

// Mount is a RUN --mount: a cache, bind, tmpfs or secret mount.
type Mount struct {
	// Type is "cache", "bind", "tmpfs" or "secret".
	Type string
	// Target is where it appears in the step's rootfs.
	Target string
	// Source is a host directory or file for the runner to mount: the cache
	// directory, the bind source (a context or stage path made available),
	// or the secret file.
	Source string
	// From is the stage or image a bind mount's source is in, "" for the
	// context; the builder unpacks it and sets Source before the step runs.
	From     string
	ReadOnly bool
	// Size limits a tmpfs, in bytes; 0 for none.
	Size int64
	// Mode, UID and GID set a cache or secret's owner and permissions.
	Mode     uint32
	UID, GID int
}

// Step is one RUN command for a StepRunner to execute.
type Step struct {
	// Rootfs is the directory holding the step's root filesystem; the
	// runner runs the command in it and the builder turns what changed into
	// a layer.
	Rootfs string
	// Args is the command with its arguments (shell form already wrapped in
	// the stage's SHELL).
	Args []string
	// Env is the environment: the stage's ENV and the ARGs in scope.
	Env []string
	// User is the USER in effect ("" for root), Workdir the WORKDIR.
	User, Workdir string
	// Network is "default", "none" or "host".
	Network string
	Mounts  []Mount
	Stdout  io.Writer
	Stderr  io.Writer
}

// StepRunner runs RUN steps; the engine implements it with the runner and
// the build network. It returns the command's exit code; err is for a step
// that could not be run at all.
type StepRunner interface {
	Run(ctx context.Context, step Step) (exitCode int, err error)
}

// Options say what to build and where the images come from and go to.
type Options struct {
	// ContextDir is the build context. It may be "" when the Dockerfile
	// comes from Dockerfile bytes and uses no context files.
	ContextDir string
	// Dockerfile is the Dockerfile's path; "" means ContextDir/Dockerfile.
	Dockerfile string
	// DockerfileData, when set, is the Dockerfile itself (read from stdin).
	DockerfileData []byte
	// Tags name the built image.
	Tags []string
	// BuildArgs are --build-arg values.
	BuildArgs map[string]string
	// Target is the stage to build; "" is the last.
	Target string
	// NoCache builds every step again.
	NoCache bool
	// Labels are added to the final image's config.
	Labels map[string]string
	// Source gives base images; Sink receives the result.
	Source ImageSource
	Sink   ImageSink
	// Runner runs RUN steps; without one, a Dockerfile with RUN fails.
	Runner StepRunner
	// Secrets are the files RUN --mount=type=secret may mount, by id.
	Secrets map[string]string
	// CacheDir is the build cache (<root>/build-cache).
	CacheDir string
	// Snapshots, when set, gives RUN steps their root filesystem as a
	// snapshot over the layers' unpacked snapshots (kept by chain ID, under
	// SnapshotLocks' locks) instead of unpacking every layer for every step.
	Snapshots     snapshot.Snapshotter
	SnapshotLocks string
	// Events, if set, receives the build's progress. Build does not close it.
	Events chan<- progress.Event
}

// Result is a finished build.
type Result struct {
	// ID is the image's config digest, docker's image ID.
	ID v1.Hash
	// Digest is the image's manifest digest.
	Digest v1.Hash
	Image  v1.Image
}
