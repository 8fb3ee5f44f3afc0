package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
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
	roomsPerAddr := fs.Int("rooms-per-address", 3, "most rooms one client address may have open")
	followersPerAddr := fs.Int("followers-per-address", 40, "most follower connections from one client address, across rooms (a class behind one NAT address shares it)")
	// Hardening: TLS, Host allowlist, memory, the admin listener.
	tlsCert := fs.String("tls-cert", "", "serve HTTPS with this certificate (PEM; with --tls-key): see README, classroom Wi-Fi")
	tlsKey := fs.String("tls-key", "", "the private key of --tls-cert (PEM)")
	allowedHosts := fs.String("allowed-hosts", "", "comma-separated host names requests may use (against DNS rebinding), e.g. \"clusterscope.example.org,*.school.lan\"; * allows any (default: IP addresses, localhost, this machine's name and --public-url's host)")
	memoryLimit := fs.String("memory-limit", "", "soft memory limit of the Go runtime, e.g. 768MiB or 2GiB, or off (default: 768MiB, or the GOMEMLIMIT environment variable when set)")
	adminAddr := fs.String("admin-addr", "", "serve /counts and /debug/pprof/ on this address, e.g. 127.0.0.1:6060 (off by default; keep it on loopback)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: clusterscope serve [--addr HOST:PORT] [--lessons DIR] [--tls-cert FILE --tls-key FILE] [--admin-addr 127.0.0.1:6060] [-v]")
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
	limit, err := memoryLimitFor(*memoryLimit, os.Getenv("GOMEMLIMIT"))
	if err != nil {
		fmt.Fprintf(stderr, "clusterscope serve: --memory-limit: %v\n", err)
		return 2
	}
	var tlsConfig *tls.Config
	if *tlsCert != "" || *tlsKey != "" {
		if *tlsCert == "" || *tlsKey == "" {
			fmt.Fprintln(stderr, "clusterscope serve: give both --tls-cert and --tls-key")
			return 2
		}
		cert, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey)
		if err != nil {
			fmt.Fprintf(stderr, "clusterscope serve: --tls-cert/--tls-key: %v\n", err)
			return 2
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	var hosts []string
	if *allowedHosts != "" {
		for _, h := range strings.Split(*allowedHosts, ",") {
			if h = strings.TrimSpace(h); h != "" {
				hosts = append(hosts, h)
			}
		}
	}
	if *roomsPerAddr < 1 || *followersPerAddr < 1 {
		fmt.Fprintln(stderr, "clusterscope serve: --rooms-per-address and --followers-per-address must be at least 1")
		return 2
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
		Rooms: room.Limits{MaxRooms: *maxRooms, FollowersPerRoom: *roomFollowers, IdleTimeout: *roomIdle,
			RoomsPerAddr: *roomsPerAddr, FollowersPerAddr: *followersPerAddr},
		PublicURL: *publicURL, FrameAncestors: *frameAncestors, AllowedHosts: hosts, TLS: tlsConfig})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go lessons.Watch(ctx, time.Second) // picks up the instructor's edits
	if *adminAddr != "" {
		go func() {
			err := srv.ListenAndServeAdmin(ctx, *adminAddr, func(bound string) {
				fmt.Fprintf(stdout, "clusterscope: admin (counts, pprof) on http://%s/\n", bound)
			})
			if err != nil {
				logger.Error("admin listener", "err", err)
			}
		}()
	}
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	if limit > 0 { // set only now: nothing above may fail after it
		debug.SetMemoryLimit(limit)
	}
	logger.Info("memory limit", "bytes", debug.SetMemoryLimit(-1))
	err = srv.ListenAndServe(ctx, *addr, func(bound string) {
		fmt.Fprintf(stdout, "clusterscope: serving on %s://%s/ (Ctrl-C stops)\n", scheme, bound)
	})
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "clusterscope serve: %v\n", err)
		return 1
	}
	logger.Info("stopped")
	return 0
}

// defaultMemoryLimit keeps a classroom server well inside a small machine:
// past it the Go runtime collects garbage harder instead of growing.
const defaultMemoryLimit = 768 << 20

// memoryLimitFor is the soft memory limit to set: the flag's value when
// given ("off" for none), else none of ours when GOMEMLIMIT is set (the
// runtime has applied it), else defaultMemoryLimit. 0 means leave it.
func memoryLimitFor(flagValue, env string) (int64, error) {
	if flagValue == "" {
		if env != "" {
			return 0, nil
		}
		return defaultMemoryLimit, nil
	}
	if strings.EqualFold(flagValue, "off") {
		return math.MaxInt64, nil
	}
	return parseSize(flagValue)
}

// parseSize reads a byte size as GOMEMLIMIT writes it: a whole number with
// an optional unit B, KiB, MiB, GiB or TiB.
func parseSize(v string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	num, mult := v, int64(1)
	for _, u := range units {
		if strings.HasSuffix(v, u.suffix) {
			num, mult = strings.TrimSuffix(v, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is not a size like 768MiB, 2GiB or off", v)
	}
	if n*mult < 64<<20 {
		return 0, fmt.Errorf("%q is too small to run the server (at least 64MiB)", v)
	}
	return n * mult, nil
}
