package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"clusterscope/web"
)

// cmdServe runs the web server until SIGINT or SIGTERM, then shuts down
// gracefully.
func cmdServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "localhost:8080", "address to listen on; use 0.0.0.0:8080 to let a classroom on the same network connect")
	verbose := fs.Bool("v", false, "log every HTTP request")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: clusterscope serve [--addr HOST:PORT] [-v]")
		fmt.Fprintln(stderr, "\nServes the catalog of patterns and a live simulated cluster for each built pattern.")
		fmt.Fprintln(stderr, "Open the printed address in a browser. Stop with Ctrl-C.")
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "clusterscope serve: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	srv := web.New(web.Options{Logger: logger})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := srv.ListenAndServe(ctx, *addr, func(bound string) {
		fmt.Fprintf(stdout, "clusterscope: serving on http://%s/ (Ctrl-C stops)\n", bound)
	})
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "clusterscope serve: %v\n", err)
		return 1
	}
	logger.Info("stopped")
	return 0
}
