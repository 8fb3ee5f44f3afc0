package lessons

import (
	"fmt"
	"strings"

	"github.com/expr-lang/expr"
	exprast "github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	exprparser "github.com/expr-lang/expr/parser"
)

// Bounds on a condition. Conditions come from uploaded files too, and
// expr's own memory budget does not cover everything a builtin may build
// (repeat("ab", 1e5) nested twice is gigabytes), nor time: its VM has no
// step counter and cannot be interrupted. So a condition is a small
// expression over the cluster: no variables, ranges or builtins that build
// big values, no loop inside a loop. With these rules one check costs at
// most about maxConditionNodes × maxLoopItems operations, and a run-until
// stops once its checks have cost maxUntilWork.
const (
	maxConditionBytes = 1024
	// maxConditionNodes bounds the syntax tree (expr.MaxNodes): a name,
	// a literal, an operator, a call each count one.
	maxConditionNodes = 200
	// maxConditionMemory is expr's memory budget for one check: elements of
	// the arrays and maps it builds.
	maxConditionMemory = 10_000
	// maxLoopItems bounds the items a predicate (all, any, filter...) may
	// visit, for the cost estimate: the lists a condition can name are
	// violated (one entry per invariant) and literals, which MaxNodes bounds.
	maxLoopItems = maxConditionNodes
	// maxUntilWork bounds the summed cost of the checks of one run-until
	// (a simple condition costs about 10, so a million checks fit).
	maxUntilWork = 50_000_000
)

// conditionBuiltins are the expr builtins a condition may call: tests,
// arithmetic and predicates, none of which builds a value bigger than its
// input. Left out, for example: repeat, replace, join, split, toJSON,
// map, reduce, sort, now and date (the wall clock).
var conditionBuiltins = []string{
	"len", "abs", "ceil", "floor", "round", "int", "float", "max", "min", "sum", "mean",
	"trim", "trimPrefix", "trimSuffix", "upper", "lower", "indexOf", "lastIndexOf", "hasPrefix", "hasSuffix",
	"all", "any", "none", "one", "filter", "count", "find", "findIndex", "findLast", "findLastIndex", "first", "last",
}

var allowedBuiltin = func() map[string]bool {
	m := map[string]bool{}
	for _, name := range conditionBuiltins {
		m[name] = true
	}
	return m
}()

// conditionOptions are the compile options of every condition.
func conditionOptions(env map[string]any) []expr.Option {
	opts := []expr.Option{expr.Env(env), expr.AsBool(), expr.MaxNodes(maxConditionNodes), expr.DisableAllBuiltins()}
	for _, name := range conditionBuiltins {
		opts = append(opts, expr.EnableBuiltin(name))
	}
	return opts
}

// conditionCost checks a condition against the rules above and returns a
// bound on the operations of one check: every node once, and the body of
// a predicate once per item it may visit.
func conditionCost(src string) (int, *file.Error) {
	if len(src) > maxConditionBytes {
		return 0, &file.Error{Message: fmt.Sprintf("the condition is %d bytes long; at most %d", len(src), maxConditionBytes)}
	}
	tree, err := exprparser.Parse(src)
	if err != nil {
		return 0, nil // compiling reports it, with its place
	}
	c := &costCounter{}
	exprast.Walk(&tree.Node, c)
	if c.err != nil {
		return 0, c.err.Bind(file.NewSource(src))
	}
	return c.cost, nil
}

type costCounter struct {
	cost        int
	inPredicate bool
	err         *file.Error
}

func (c *costCounter) Visit(node *exprast.Node) {
	if c.err != nil {
		return
	}
	c.cost++
	fail := func(n exprast.Node, msg string) { c.err = &file.Error{Location: n.Location(), Message: msg} }
	switch n := (*node).(type) {
	case *exprast.BuiltinNode:
		if !allowedBuiltin[n.Name] {
			fail(n, fmt.Sprintf("%s is not allowed in a condition (allowed: %s)", n.Name, strings.Join(conditionBuiltins, ", ")))
		}
	case *exprast.VariableDeclaratorNode:
		fail(n, "let is not allowed in a condition")
	case *exprast.BinaryNode:
		switch {
		case n.Operator == "..":
			fail(n, "ranges (a..b) are not allowed in a condition; compare instead: x >= a && x <= b")
		case n.Operator == "matches":
			if _, quoted := n.Right.(*exprast.StringNode); !quoted {
				fail(n.Right, "matches needs a quoted pattern")
			}
		}
	case *exprast.PredicateNode:
		if c.inPredicate {
			fail(n, "a predicate (all, any, filter...) cannot be inside another one")
			return
		}
		// Walk visits children first, so a predicate nested in this one has
		// been counted already; walk the body again to find it and to
		// count the body once per item.
		body := &costCounter{inPredicate: true}
		exprast.Walk(&n.Node, body)
		c.err = body.err
		c.cost += body.cost * (maxLoopItems - 1)
	}
}
