// Package archive reads and writes layer tarballs safely: Unpack extracts a
// layer into a directory so that no entry, however hostile, reaches outside
// it, and Diff writes the changes between two trees as a layer, whiteouts
// included.
//
// # Unpacking without escaping
//
// An archive can try to write outside its target through "../" in a name,
// an absolute name, a symbolic link planted earlier (in the same archive or
// already on disk) that a later entry's parent goes through, or a hard link
// to a file outside (CVE-2018-15664, CVE-2019-14271, CVE-2024-9675 and their
// kin). Unpack resolves every parent directory through an os.Root on the
// target, which follows symbolic links only as far as they stay inside it,
// and then creates each entry with the *at system calls relative to that
// parent's descriptor, never following a link in the last component. Names
// that climb out of the target are refused; link targets are archive paths
// and resolve inside it too.
//
// # Whiteouts
//
// A layer deletes what lower layers hold with whiteout entries: ".wh.NAME"
// removes NAME, and ".wh..wh..opq" in a directory hides everything the lower
// layers put there. Unpack either applies them to the directory it writes
// into (flattening layers into one tree), or keeps them in the form overlayfs
// reads from a lower or upper directory: a 0/0 character device for a
// whiteout, the trusted.overlay.opaque="y" attribute for an opaque directory.
package archive
