package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"clusterscope/patterns"
)

// patternInfo is one line of `clusterscope patterns`.
type patternInfo struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Track    string   `json:"track"`
	Status   string   `json:"status"` // "live" or "coming"
	Variants []string `json:"variants"`
}

func cmdPatterns(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("patterns", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "clusterscope patterns: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	var list []patternInfo
	for _, p := range patterns.All() {
		info := patternInfo{ID: p.ID, Title: p.Title, Track: p.Track, Status: "coming", Variants: []string{}}
		if p.Live() {
			info.Status = "live"
			for _, v := range p.Cluster.Variants {
				info.Variants = append(info.Variants, v.Name)
			}
		}
		list = append(list, info)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(list); err != nil {
			fmt.Fprintln(stderr, "clusterscope patterns:", err)
			return 1
		}
		return 0
	}
	for _, p := range list {
		line := fmt.Sprintf("%-3s %-24s %-7s %s", p.Track, p.ID, p.Status, p.Title)
		if len(p.Variants) > 0 {
			line += "  [broken: " + strings.Join(p.Variants, ", ") + "]"
		}
		fmt.Fprintln(stdout, line)
	}
	return 0
}
