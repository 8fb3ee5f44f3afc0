package web

import (
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// A Host allowlist against DNS rebinding: a page on evil.example whose name
// is made to resolve to this server (127.0.0.1, or a laptop on a classroom
// network) is same-origin with it in the browser, so it could open /ws and
// read every page. Its requests still carry Host: evil.example, and that is
// what is refused here. An IP address in Host cannot be rebound (the page's
// origin is then that address itself), so IP addresses are always allowed.
type hostPolicy struct {
	any   bool
	names map[string]bool // exact names, lower case
	sufs  []string        // ".example.org" for "*.example.org"
}

// newHostPolicy builds the policy from --allowed-hosts; nil gives the
// default: localhost, this machine's name (and name.local, as mDNS offers
// it) and the host of --public-url.
func newHostPolicy(allowed []string, publicURL string) hostPolicy {
	p := hostPolicy{names: map[string]bool{}}
	if allowed == nil {
		allowed = []string{"localhost", "*.localhost"}
		if h, err := os.Hostname(); err == nil && h != "" {
			allowed = append(allowed, h, h+".local")
		}
		if u, err := url.Parse(publicURL); err == nil && u.Hostname() != "" {
			allowed = append(allowed, u.Hostname())
		}
	}
	for _, a := range allowed {
		a = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(a)), ".")
		switch {
		case a == "*":
			p.any = true
		case strings.HasPrefix(a, "*."):
			p.sufs = append(p.sufs, a[1:])
		case a != "":
			p.names[a] = true
		}
	}
	return p
}

// allows reports whether a request's Host (with or without a port) is
// allowed.
func (p hostPolicy) allows(hostport string) bool {
	if p.any {
		return true
	}
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if net.ParseIP(host) != nil || p.names[host] {
		return true
	}
	for _, s := range p.sufs {
		if strings.HasSuffix(host, s) {
			return true
		}
	}
	return false
}

// checkHost answers 421 Misdirected Request to a request for a host this
// server does not serve.
func (s *Server) checkHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.hosts.allows(r.Host) {
			s.refused.note(r.Context(), "host", clientIP(r), slog.String("host", truncate(r.Host, 100)))
			http.Error(w, "this server does not answer to the name "+quote(r.Host)+": start it with --allowed-hosts to add the name", http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}
