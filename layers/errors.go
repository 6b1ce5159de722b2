package layers

import "errors"

// Sentinel errors of the image store; returned errors wrap them with the name
// or digest at fault.
var (
	// ErrNotFound means no image answers to a reference.
	ErrNotFound = errors.New("no such image")
	// ErrInUse means an image cannot be removed because a container uses it.
	ErrInUse = errors.New("image is being used by a container")
	// ErrConflict means a removal needs force: the image has several names.
	ErrConflict = errors.New("image is referenced in multiple repositories")
	// ErrAmbiguous means an ID prefix matches more than one image.
	ErrAmbiguous = errors.New("ambiguous image id prefix")
	// ErrDigestMismatch means content did not hash to the digest it was sent under.
	ErrDigestMismatch = errors.New("digest mismatch")
	// ErrMissingBlob means an archive or the store lacks a blob a manifest names.
	ErrMissingBlob = errors.New("missing blob")
	// ErrMediaType means a manifest or layer has a media type berth does not store.
	ErrMediaType = errors.New("unknown media type")
	// ErrBadArchive means an archive is not a docker-save or OCI archive, or is corrupt.
	ErrBadArchive = errors.New("bad archive")
)
