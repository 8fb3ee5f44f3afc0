package updatequeue

import (
	"github.com/anishathalye/porcupine"
)

// InitialBalance is the account's balance before any operation, as in the
// book's story (alice withdraws 70, bob 50, from 100).
const InitialBalance = 100

// BankModel is the one-account bank porcupine checks a history against:
// the state is the balance; a withdrawal succeeds when the balance covers
// it and is refused as INSUFFICIENT otherwise, with the balance it saw.
//
// An operation whose outcome is unknown (nil output: it timed out) did
// whatever the server would have done at its place in the order: athens
// validates deterministically, so a withdrawal that fits is applied.
var BankModel = porcupine.Model{
	Init: func() any { return InitialBalance },
	Step: func(state, input, output any) (bool, any) {
		balance := state.(int)
		in := input.(Op)
		next := balance
		switch in.Kind {
		case opDeposit:
			next = balance + in.Amount
		case opWithdraw:
			if in.Amount <= balance {
				next = balance - in.Amount
			}
		}
		if output == nil {
			return true, next
		}
		out := output.(Outcome)
		switch {
		case in.Kind == opBalance:
			return out.OK && out.Balance == balance, balance
		case in.Kind == opWithdraw && in.Amount > balance:
			return !out.OK && out.Reason == ReasonInsufficient && out.Balance == balance, balance
		}
		return out.OK && out.Balance == next, next
	},
	DescribeOperation: func(input, output any) string {
		if output == nil {
			return input.(Op).String() + " → ?"
		}
		return input.(Op).String() + " → " + output.(Outcome).String()
	},
	DescribeState: func(state any) string { return "balance " + itoa(state.(int)) },
}
