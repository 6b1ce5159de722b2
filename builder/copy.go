package builder

import (
	"archive/tar"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/moby/patternmatcher"

	"github.com/berth-dev/berth/builder/cache"
	"github.com/berth-dev/berth/builder/dockerfile"
)

// source is where COPY and ADD read: the build context, a stage or an image.
type source interface {
	match(src string) ([]string, error)
	stat(rel string) (srcFile, error)
	children(rel string) ([]srcFile, error)
}

var (
	_ source = (*contextSource)(nil)
	_ source = (*imageSource)(nil)
)

// copyOp is a COPY or ADD after expansion.
type copyOp struct {
	add      bool
	srcs     []string
	dest     string // absolute, with a trailing slash kept
	chown    string
	chmod    int64 // -1 for none
	link     bool
	parents  bool
	checksum string
	exclude  *patternmatcher.PatternMatcher
	from     source
	// picked are the source files by source argument, each the match with
	// the files under it.
	picked [][]pickedSource
}

type pickedSource struct {
	top   srcFile
	files []srcFile // for a directory: everything under it
	// archive marks an ADD of a local tar archive, to be unpacked.
	archive bool
}

var copyFlags = map[string]dockerfile.FlagKind{
	"from": dockerfile.FlagString, "chown": dockerfile.FlagString, "chmod": dockerfile.FlagString,
	"link": dockerfile.FlagBool, "parents": dockerfile.FlagBool, "exclude": dockerfile.FlagList,
}

var addFlags = map[string]dockerfile.FlagKind{
	"chown": dockerfile.FlagString, "chmod": dockerfile.FlagString, "link": dockerfile.FlagBool,
	"parents": dockerfile.FlagBool, "exclude": dockerfile.FlagList, "checksum": dockerfile.FlagString,
	"keep-git-dir": dockerfile.FlagBool, "unpack": dockerfile.FlagBool,
}

func (s *stageState) doCopy(in *dockerfile.Instruction, add bool) error {
	spec := copyFlags
	if add {
		spec = addFlags
	}
	flags, err := in.ParseFlags(spec)
	if err != nil {
		return err
	}
	args := in.Args
	if len(args) < 2 {
		return in.Errorf(dockerfile.ErrInvalid, "%s needs a source and a destination", strings.ToUpper(in.Cmd))
	}
	op := &copyOp{add: add, chmod: -1, link: flags.Bool("link"), parents: flags.Bool("parents")}
	var words []string
	for _, a := range args {
		if in.JSON {
			words = append(words, a)
			continue
		}
		w, err := s.word(in, a)
		if err != nil {
			return err
		}
		words = append(words, w)
	}
	op.srcs, op.dest = words[:len(words)-1], words[len(words)-1]
	if op.chown, err = s.word(in, flags.String("chown")); err != nil {
		return err
	}
	if c := flags.String("chmod"); c != "" {
		c, err = s.word(in, c)
		if err != nil {
			return err
		}
		m, err := strconv.ParseUint(c, 8, 32)
		if err != nil || m > 0o7777 {
			return in.Errorf(dockerfile.ErrInvalid, "invalid --chmod %q: give octal permissions such as 0755", c)
		}
		op.chmod = int64(m)
	}
	if ex := flags.List("exclude"); len(ex) > 0 {
		if op.exclude, err = patternmatcher.New(ex); err != nil {
			return in.Errorf(dockerfile.ErrInvalid, "invalid --exclude: %v", err)
		}
	}
	if flags.Bool("keep-git-dir") {
		return in.Errorf(dockerfile.ErrInvalid, "ADD of git repositories is not supported")
	}
	op.checksum = flags.String("checksum")
	trailing := strings.HasSuffix(op.dest, "/") || op.dest == "." || op.dest == ".."
	op.dest = s.resolvePath(op.dest)
	if trailing && op.dest != "/" {
		op.dest += "/"
	}
	if len(op.srcs) > 1 && !strings.HasSuffix(op.dest, "/") {
		return in.Errorf(dockerfile.ErrInvalid, "with more than one source the destination must be a directory ending in /")
	}

	inputs := cache.Inputs{Parent: s.key, Line: in.Line, Files: map[string]string{}}
	from := flags.String("from")
	switch {
	case from != "":
		if from, err = s.word(in, from); err != nil {
			return err
		}
		src, extra, err := s.fromSource(from)
		if err != nil {
			return at(in, err)
		}
		op.from, inputs.Extra = src, extra
	default:
		op.from = &contextSource{c: s.b.bctx, cache: s.b.cache}
	}
	if err := s.pickSources(in, op, inputs.Files); err != nil {
		return err
	}
	inputs.Instruction = copyCreatedBy(in, op)
	return s.layerStep(in, inputs, inputs.Instruction+" # buildkit", func() ([]entry, error) {
		return s.copyEntries(in, op)
	})
}

// copyCreatedBy is the history line, with the flags that change the result.
func copyCreatedBy(in *dockerfile.Instruction, op *copyOp) string {
	parts := []string{strings.ToUpper(in.Cmd)}
	for _, f := range in.Flags {
		parts = append(parts, f)
	}
	parts = append(parts, op.srcs...)
	parts = append(parts, op.dest)
	return strings.Join(parts, " ")
}

// pickSources finds every source file and, for the context, records its
// content hash for the cache key.
func (s *stageState) pickSources(in *dockerfile.Instruction, op *copyOp, sums map[string]string) error {
	for _, src := range op.srcs {
		if doc, ok := s.heredoc(in, src); ok {
			content := doc.Content
			if doc.Expand {
				var err error
				if content, err = s.b.exp.Heredoc(content, s.vars()); err != nil {
					return in.Errorf(dockerfile.ErrInvalid, "expanding here-document %s: %v", doc.Name, err)
				}
			}
			f := srcFile{rel: doc.Name, hdr: tar.Header{Typeflag: tar.TypeReg, Mode: 0o644, ModTime: time.Unix(0, 0)}, data: []byte(content)}
			sums["<<"+doc.Name] = sum256(f.data)
			op.picked = append(op.picked, []pickedSource{{top: f}})
			continue
		}
		if op.add && isURL(src) {
			f, err := s.download(in, src, op.checksum)
			if err != nil {
				return err
			}
			sums[src] = sum256(f.data)
			op.picked = append(op.picked, []pickedSource{{top: f}})
			continue
		}
		if op.checksum != "" {
			return in.Errorf(dockerfile.ErrInvalid, "--checksum applies to URL sources only")
		}
		matches, err := op.from.match(src)
		if err != nil {
			return at(in, err)
		}
		var picked []pickedSource
		for _, m := range matches {
			if op.excluded(m) {
				continue
			}
			top, err := op.from.stat(m)
			if err != nil {
				return at(in, err)
			}
			p := pickedSource{top: top}
			if top.sum != "" {
				sums[m] = top.sum
			}
			if top.hdr.Typeflag == tar.TypeDir {
				kids, err := op.from.children(m)
				if err != nil {
					return at(in, err)
				}
				for _, k := range kids {
					if op.excluded(k.rel) || op.excluded(strings.TrimPrefix(strings.TrimPrefix(k.rel, m), "/")) {
						continue
					}
					p.files = append(p.files, k)
					if k.sum != "" {
						sums[k.rel] = k.sum
					}
				}
			} else if op.add && top.hdr.Typeflag == tar.TypeReg {
				if p.archive, err = isArchive(top); err != nil {
					return at(in, err)
				}
			}
			picked = append(picked, p)
		}
		if len(picked) == 0 {
			return in.Errorf(ErrSourceMissing, "every file %s names is excluded", src)
		}
		op.picked = append(op.picked, picked)
	}
	return nil
}

func (op *copyOp) excluded(rel string) bool {
	if op.exclude == nil {
		return false
	}
	ok, err := op.exclude.MatchesOrParentMatches(rel)
	return err == nil && ok
}

// heredoc returns the here-document a source like <<EOF names.
func (s *stageState) heredoc(in *dockerfile.Instruction, src string) (struct {
	Name, Content string
	Expand        bool
}, bool) {
	var out struct {
		Name, Content string
		Expand        bool
	}
	name, ok := strings.CutPrefix(src, "<<")
	if !ok {
		return out, false
	}
	name = strings.TrimPrefix(name, "-")
	name = strings.Trim(name, `"'`)
	for _, h := range in.Heredocs {
		if h.Name == name {
			out.Name, out.Content, out.Expand = h.Name, h.Content, h.Expand
			return out, true
		}
	}
	return out, false
}

// copyEntries lays out the new layer: every source at its destination, with
// the directories above it that the stage does not have yet.
func (s *stageState) copyEntries(in *dockerfile.Instruction, op *copyOp) ([]entry, error) {
	var view *fsView
	if !op.link {
		var err error
		if view, err = s.view(); err != nil {
			return nil, err
		}
	} else {
		view = newFSView()
	}
	uid, gid, hasOwner, err := s.owner(op.chown, view)
	if err != nil {
		return nil, in.Errorf(ErrNoSuchUser, "--chown=%s: %v", op.chown, err)
	}
	dest := cleanRel(op.dest)
	if !op.link {
		dest, _, _ = view.resolve(dest)
	}
	destIsDir := strings.HasSuffix(op.dest, "/") || view.isDir(dest)
	if n := len(op.picked); n == 1 && len(op.picked[0]) > 1 {
		destIsDir = true
	}
	files := map[string]entry{}
	put := func(name string, f srcFile, keepOwner bool) {
		e := entry{hdr: f.hdr, open: f.open, data: f.data}
		e.hdr.Name = name
		if !keepOwner {
			e.hdr.Uid, e.hdr.Gid = 0, 0
		}
		if hasOwner {
			e.hdr.Uid, e.hdr.Gid = uid, gid
		}
		if op.chmod >= 0 && e.hdr.Typeflag != tar.TypeSymlink {
			e.hdr.Mode = op.chmod
		}
		files[name] = e
	}
	_, fromImage := op.from.(*imageSource)
	for _, picked := range op.picked {
		for _, p := range picked {
			base := dest
			rel := p.top.rel
			if op.parents {
				base = path.Join(dest, parentsPath(rel))
			}
			switch {
			case p.top.hdr.Typeflag == tar.TypeDir:
				target := base
				if op.parents {
					target = path.Join(dest, parentsPath(rel))
				}
				if target != "" {
					d := p.top
					d.hdr.Mode = 0o755 | (d.hdr.Mode &^ 0o777 & 0o7000)
					if !view.isDir(target) {
						put(target, d, fromImage)
					}
				}
				for _, k := range p.files {
					sub := strings.TrimPrefix(strings.TrimPrefix(k.rel, rel), "/")
					put(path.Join(target, sub), k, fromImage)
				}
			case p.archive:
				ents, err := unpackArchive(p.top, base)
				if err != nil {
					return nil, in.Errorf(ErrSourceMissing, "unpacking %s: %v", rel, err)
				}
				for _, e := range ents {
					files[e.hdr.Name] = e
				}
			default:
				target := base
				if op.parents {
					target = path.Join(dest, parentsPath(rel))
				} else if destIsDir {
					target = path.Join(dest, path.Base(rel))
				}
				if target == "" {
					return nil, in.Errorf(dockerfile.ErrInvalid, "cannot copy a file onto /")
				}
				put(target, p.top, fromImage)
			}
		}
	}
	// Directories above the files that the stage lacks, owned like the copy.
	var dirs []string
	for name := range files {
		for d := path.Dir(name); d != "." && d != "/" && d != ""; d = path.Dir(d) {
			if _, ok := files[d]; ok || view.isDir(d) {
				continue
			}
			dirs = append(dirs, d)
		}
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		if _, ok := files[d]; ok {
			continue
		}
		h := tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, ModTime: time.Unix(0, 0)}
		if hasOwner {
			h.Uid, h.Gid = uid, gid
		}
		files[d] = entry{hdr: h}
	}
	out := make([]entry, 0, len(files))
	for _, e := range files {
		out = append(out, e)
	}
	return out, nil
}

// parentsPath is the path COPY --parents keeps of a source: all of it, or
// what follows a "/./" pivot.
func parentsPath(rel string) string {
	if i := strings.Index(rel, "/./"); i >= 0 {
		return rel[i+3:]
	}
	return rel
}

// workdirStep makes the WORKDIR's directory when the stage lacks it.
func (s *stageState) workdirStep(in *dockerfile.Instruction, createdBy, dir string) error {
	inputs := cache.Inputs{Parent: s.key, Instruction: createdBy, Line: in.Line}
	return s.metaOrLayer(in, inputs, createdBy, dir)
}

func (s *stageState) metaOrLayer(in *dockerfile.Instruction, inputs cache.Inputs, createdBy, dir string) error {
	return s.layerStep(in, inputs, createdBy, func() ([]entry, error) {
		view, err := s.view()
		if err != nil {
			return nil, err
		}
		rel := cleanRel(dir)
		if view.isDir(rel) {
			return nil, nil
		}
		uid, gid, _, err := s.owner(s.cfg.Config.User, view)
		if err != nil {
			uid, gid = 0, 0
		}
		var out []entry
		for d := rel; d != "." && d != "" && !view.isDir(d); d = path.Dir(d) {
			out = append(out, entry{hdr: tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, Uid: uid, Gid: gid, ModTime: time.Unix(0, 0)}})
		}
		return out, nil
	})
}

// fromSource returns the stage or image COPY --from names and the cache
// input that identifies it.
func (s *stageState) fromSource(ref string) (source, string, error) {
	if i, ok := s.b.stageRef(ref, s.sr.st.Index); ok {
		dep, err := s.b.waitStage(s.ctx, i)
		if err != nil {
			return nil, "", err
		}
		return &imageSource{img: dep.img}, "stage:" + dep.key, nil
	}
	if _, ok := s.b.df.Stage(ref); ok {
		return nil, "", fmt.Errorf("stage %s is not an earlier stage", ref)
	}
	if s.b.opts.Source == nil {
		return nil, "", fmt.Errorf("no image source to find %s in", ref)
	}
	img, err := s.b.opts.Source.Image(s.ctx, ref)
	if err != nil {
		return nil, "", fmt.Errorf("image %s: %w", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		return nil, "", err
	}
	return &imageSource{img: img}, "image:" + d.String(), nil
}
