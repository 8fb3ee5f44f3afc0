package lessons

import (
	"fmt"

	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/token"
)

// MaxYAMLDepth bounds how deeply a scenario file's collections nest, flow
// ([ {) and block (indentation, "- - -") together. A real scenario nests
// about five deep (steps, a step, its mapping, a list in it). The YAML
// parser takes time and memory quadratic in the depth (a 64 KB
// "[[[...]]]" costs seconds and gigabytes) and has no setting for it, so
// the depth is measured on the lexer's tokens, which take linear time,
// before the parser sees them.
const MaxYAMLDepth = 32

// blockLevel is one open block collection: the column its entries start
// at, and whether it is a sequence ("- ") or a mapping ("key:").
type blockLevel struct {
	col int
	seq bool
}

// checkDepth returns an error at the first token nested deeper than
// MaxYAMLDepth, or nil.
func checkDepth(file string, tokens token.Tokens) *Error {
	var open []blockLevel // block collections open at this point
	flow := 0             // [ and { open
	var prev *token.Token // the last token that is not a comment
	for _, tk := range tokens {
		switch tk.Type {
		case token.CommentType:
			continue
		case token.DocumentHeaderType:
			open, flow = open[:0], 0
		case token.SequenceStartType, token.MappingStartType:
			flow++
		case token.SequenceEndType, token.MappingEndType:
			flow = max(flow-1, 0)
		case token.SequenceEntryType, token.MappingKeyType, token.MappingValueType:
			if flow > 0 {
				break // a ':' inside [ ] or { } opens nothing new
			}
			lv := blockLevel{col: tk.Position.Column, seq: tk.Type == token.SequenceEntryType}
			if tk.Type == token.MappingValueType && prev != nil {
				lv.col = prev.Position.Column // the key's column
			}
			open = enter(open, lv)
		}
		prev = tk
		if depth := len(open) + flow; depth > MaxYAMLDepth {
			return &Error{File: file, Line: tk.Position.Line, Col: tk.Position.Column,
				Msg: fmt.Sprintf("nested more than %d deep; a scenario needs far less", MaxYAMLDepth)}
		}
	}
	return nil
}

// enter closes the block collections that an entry at lv's column ends,
// and opens lv unless it is a sibling in the innermost one. A sequence may
// sit at its parent key's column ("steps:" then "- say: hi" under it), so
// a key at that column closes the sequence.
func enter(open []blockLevel, lv blockLevel) []blockLevel {
	for len(open) > 0 {
		top := open[len(open)-1]
		if top.col > lv.col || top.col == lv.col && top.seq && !lv.seq {
			open = open[:len(open)-1]
			continue
		}
		if top.col == lv.col && top.seq == lv.seq {
			return open
		}
		break
	}
	return append(open, lv)
}

// tokenize lexes a scenario file after checking its size, and checks its
// depth, so the parser only ever sees bounded input.
func tokenize(file string, src []byte) (token.Tokens, *Error) {
	if len(src) > MaxScenarioBytes {
		return nil, &Error{File: file, Msg: fmt.Sprintf("file is %d bytes; a scenario may have at most %d", len(src), MaxScenarioBytes)}
	}
	tokens := lexer.Tokenize(string(src))
	if e := checkDepth(file, tokens); e != nil {
		return nil, e
	}
	return tokens, nil
}
