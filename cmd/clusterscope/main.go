// Command clusterscope serves the pattern pages and runs scenarios and seed
// sweeps from the command line.
package main

import (
	"fmt"
	"io"
	"os"
)

// command is one subcommand. It returns the process exit code.
type command struct {
	name, usage string
	run         func(args []string, stdout, stderr io.Writer) int
}

var commands = []command{
	{"serve", "serve the pattern pages (the default)", cmdServe},
	{"patterns", "list the 30 patterns (--json)", cmdPatterns},
	{"check", "run seeded random fault schedules against a pattern's invariants", cmdCheck},
	{"run", "play a scenario file headless and print its transcript", cmdRun},
	{"lint", "check every lesson and scenario in a folder", cmdLint},
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (len(args[0]) > 0 && args[0][0] == '-' && args[0] != "-h" && args[0] != "--help" && args[0] != "-help") {
		return cmdServe(args, stdout, stderr)
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		usage(stdout)
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "clusterscope: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "clusterscope: a teaching visualizer for the Patterns of Distributed Systems")
	fmt.Fprintln(w, "\nUsage: clusterscope [command] [flags]   (clusterscope COMMAND --help for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.usage)
	}
}
