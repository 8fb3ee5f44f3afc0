package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"clusterscope/web"
	"clusterscope/web/room"
)

// cmdServe runs the web server until SIGINT or SIGTERM, then shuts down
// gracefully.
func cmdServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "localhost:8080", "address to listen on; use 0.0.0.0:8080 to let a classroom on the same network connect")
	verbose := fs.Bool("v", false, "log every HTTP request")
	lessonsDir := fs.String("lessons", "", "serve your own lessons and scenarios from this folder (DIR/<pattern-id>/lesson.md, *.yaml) beside the bundled ones; yours win on a clash, and edits show without a restart")
	// Rooms and embedding (web/rooms.go).
	maxRooms := fs.Int("max-rooms", 50, "most rooms open at once (a presenter's run watched by followers)")
	roomFollowers := fs.Int("room-followers", 1000, "most followers in one room")
	roomIdle := fs.Duration("room-idle", 30*time.Minute, "a room whose presenter does nothing for this long ends")
	publicURL := fs.String("public-url", "", "base of the join links and QR codes rooms show, e.g. http://192.168.1.20:8080 (default: the address the presenter's browser used)")
	frameAncestors := fs.String("frame-ancestors", "*", "sites that may frame /embed pages (CSP frame-ancestors sources, space-separated, e.g. \"https://workshop.example.org 'self'\"); other pages never may")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: clusterscope serve [--addr HOST:PORT] [--lessons DIR] [-v]")
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
	if err := web.CheckFrameAncestors(*frameAncestors); err != nil {
		fmt.Fprintf(stderr, "clusterscope serve: --%v\n", err)
		return 2
	}
	if *maxRooms < 1 || *roomFollowers < 1 || *roomIdle < time.Second {
		fmt.Fprintln(stderr, "clusterscope serve: --max-rooms and --room-followers must be at least 1, --room-idle at least 1s")
		return 2
	}
	if *publicURL != "" {
		if u, err := url.Parse(*publicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			fmt.Fprintf(stderr, "clusterscope serve: --public-url must look like http://192.168.1.20:8080, not %q\n", *publicURL)
			return 2
		}
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	lessons, err := web.NewLessons(*lessonsDir, logger)
	if err != nil {
		fmt.Fprintf(stderr, "clusterscope serve: --lessons: %v\n", err)
		return 2
	}
	srv := web.New(web.Options{Logger: logger, Lessons: lessons,
		Rooms:     room.Limits{MaxRooms: *maxRooms, FollowersPerRoom: *roomFollowers, IdleTimeout: *roomIdle},
		PublicURL: *publicURL, FrameAncestors: *frameAncestors})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go lessons.Watch(ctx, time.Second) // picks up the instructor's edits
	err = srv.ListenAndServe(ctx, *addr, func(bound string) {
		fmt.Fprintf(stdout, "clusterscope: serving on http://%s/ (Ctrl-C stops)\n", bound)
	})
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "clusterscope serve: %v\n", err)
		return 1
	}
	logger.Info("stopped")
	return 0
}
