// Package dockerfile reads Dockerfiles: it parses them with buildkit's
// reference parser, groups the instructions into stages, parses each
// instruction's flags and expands words the way the Dockerfile reference
// describes. Executing the instructions is the builder's business.
package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Dockerfile is a parsed Dockerfile: the meta ARGs before the first FROM and
// the stages in order.
type Dockerfile struct {
	// Name is the file name used in error messages.
	Name string
	// Escape is the escape character from the escape directive ('\\' unless set).
	Escape rune
	// Syntax is the value of the syntax directive, if any; berth reads the
	// Dockerfile itself and ignores it.
	Syntax string
	// MetaArgs are the ARG instructions before the first FROM.
	MetaArgs []*Instruction
	// Stages are the build stages, in the order they appear.
	Stages []*Stage
	// Lines are the lines of the source, for error messages.
	Lines []string
}

// Stage is one FROM and the instructions after it.
type Stage struct {
	// Index is the stage's position, counting from zero.
	Index int
	// Name is the name given with FROM ... AS name, lower-cased, or "".
	Name string
	// From is the FROM instruction that opens the stage.
	From *Instruction
	// Instructions are the instructions after FROM.
	Instructions []*Instruction
}

// Instruction is one instruction as the parser read it, before expansion.
type Instruction struct {
	// Cmd is the instruction's keyword in lower case ("copy", "run"...).
	Cmd string
	// Flags are the raw --flags given to the instruction.
	Flags []string
	// Args are the instruction's words as the parser split them.
	Args []string
	// JSON says the arguments were written in the exec (JSON array) form.
	JSON bool
	// Heredocs are the here-documents attached to the instruction.
	Heredocs []parser.Heredoc
	// Original is the instruction's source text, continuations joined.
	Original string
	// File and Line say where the instruction starts.
	File string
	Line int
	// Node is the parser's node, for instructions that nest (ONBUILD).
	Node *parser.Node
}

// Errorf returns an error located at the instruction: "file:line: text: msg".
func (in *Instruction) Errorf(sentinel error, format string, args ...any) error {
	return &Error{File: in.File, Line: in.Line, Text: in.Original, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

// Error is an error located in a Dockerfile.
type Error struct {
	File string
	Line int
	// Text is the offending source text.
	Text string
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d", e.File, e.Line)
	if e.Text != "" {
		fmt.Fprintf(&b, ": %s", e.Text)
	}
	if e.Msg != "" {
		fmt.Fprintf(&b, ": %s", e.Msg)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// instructions are the keywords the Dockerfile reference defines.
var instructions = map[string]bool{
	"from": true, "run": true, "cmd": true, "label": true, "maintainer": true,
	"expose": true, "env": true, "add": true, "copy": true, "entrypoint": true,
	"volume": true, "user": true, "workdir": true, "arg": true, "onbuild": true,
	"stopsignal": true, "healthcheck": true, "shell": true,
}

// ParseAST parses src with the reference parser and returns its syntax tree;
// errors carry name:line and the offending line.
func ParseAST(name string, src []byte) (*parser.Result, error) {
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		line := 0
		var le *parser.LocationError
		if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
			line = le.Locations[0][0].Start.Line
		}
		e := &Error{File: name, Line: line, Msg: err.Error(), Err: ErrSyntax}
		if lines := strings.Split(string(src), "\n"); line > 0 && line <= len(lines) {
			e.Text = strings.TrimSpace(lines[line-1])
		}
		if line == 0 {
			e.Line = 1
		}
		return nil, e
	}
	return res, nil
}

// Parse reads a Dockerfile and groups its instructions into stages. It checks
// every keyword and the shape of FROM; the instructions' flags and arguments
// are checked when they are evaluated.
func Parse(name string, r io.Reader) (*Dockerfile, error) {
	src, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	res, err := ParseAST(name, src)
	if err != nil {
		return nil, err
	}
	df := &Dockerfile{Name: name, Escape: res.EscapeToken, Lines: strings.Split(string(src), "\n")}
	if syntax, _, _, ok := parser.DetectSyntax(src); ok {
		df.Syntax = syntax
	}
	var cur *Stage
	for _, n := range res.AST.Children {
		in, err := FromNode(name, n)
		if err != nil {
			return nil, err
		}
		switch {
		case in.Cmd == "from":
			st, err := newStage(len(df.Stages), in)
			if err != nil {
				return nil, err
			}
			for _, prev := range df.Stages {
				if st.Name != "" && prev.Name == st.Name {
					return nil, in.Errorf(ErrInvalid, "duplicate stage name %q", st.Name)
				}
			}
			df.Stages = append(df.Stages, st)
			cur = st
		case cur == nil && in.Cmd == "arg":
			df.MetaArgs = append(df.MetaArgs, in)
		case cur == nil:
			return nil, in.Errorf(ErrNoFrom, "%s before the first FROM", strings.ToUpper(in.Cmd))
		default:
			cur.Instructions = append(cur.Instructions, in)
		}
	}
	if len(df.Stages) == 0 {
		return nil, &Error{File: name, Line: 1, Msg: "no FROM instruction", Err: ErrNoFrom}
	}
	return df, nil
}

// FromNode turns one parser node into an Instruction, rejecting unknown keywords.
func FromNode(file string, n *parser.Node) (*Instruction, error) {
	in := &Instruction{
		Cmd:      strings.ToLower(n.Value),
		Flags:    n.Flags,
		JSON:     n.Attributes["json"],
		Heredocs: n.Heredocs,
		Original: strings.TrimSpace(n.Original),
		File:     file,
		Line:     n.StartLine,
		Node:     n,
	}
	for a := n.Next; a != nil; a = a.Next {
		in.Args = append(in.Args, a.Value)
	}
	if !instructions[in.Cmd] {
		return nil, in.Errorf(ErrUnknownInstruction, "unknown instruction %s", strings.ToUpper(n.Value))
	}
	return in, nil
}

func newStage(index int, from *Instruction) (*Stage, error) {
	st := &Stage{Index: index, From: from}
	switch {
	case len(from.Args) == 1:
	case len(from.Args) == 3 && strings.EqualFold(from.Args[1], "as"):
		st.Name = strings.ToLower(from.Args[2])
		if !validStageName(st.Name) {
			return nil, from.Errorf(ErrInvalid, "invalid stage name %q", from.Args[2])
		}
	default:
		return nil, from.Errorf(ErrInvalid, "FROM takes an image and optionally AS name")
	}
	return st, nil
}

func validStageName(s string) bool {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z') {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// Stage returns the stage named name (case-insensitive) or with that index.
func (df *Dockerfile) Stage(name string) (*Stage, bool) {
	name = strings.ToLower(name)
	for _, st := range df.Stages {
		if st.Name != "" && st.Name == name {
			return st, true
		}
	}
	return nil, false
}
