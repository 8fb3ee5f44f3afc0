package web

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"clusterscope/web/testlog"
)

// The admin handler counts sessions, rooms, followers, goroutines, heap and
// refusals by reason, and serves pprof; the public router serves neither.
func TestAdminCounts(t *testing.T) {
	srv, ts := newRoomServer(t, Options{})
	_, _, rm := present(t, ts)
	f := mustDial(t, ts, "/rooms/"+rm.Code+"/ws")
	f.until("the snapshot", func(x tframe) bool { return x.Type == "snapshot" })
	getBody(t, ts.URL+"/join/QQQQQQ", http.StatusNotFound)
	req, _ := http.NewRequest("GET", ts.URL+"/", nil)
	req.Host = "rebound.example"
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusMisdirectedRequest {
		t.Fatalf("a foreign Host: %v %v", err, res)
	}

	admin := httptest.NewServer(srv.AdminHandler())
	defer admin.Close()
	var c Counts
	if err := json.Unmarshal([]byte(getBody(t, admin.URL+"/counts", http.StatusOK)), &c); err != nil {
		t.Fatal(err)
	}
	if c.Sessions != 1 || c.Rooms != 1 || c.Followers != 1 || c.Goroutines < 5 || c.HeapBytes == 0 || c.TotalBytes < c.HeapBytes {
		t.Errorf("counts %+v", c)
	}
	if len(c.Refusals) != 1 || c.Refusals[0] != (RefusalCount{"host", 1}) {
		t.Errorf("refusals %+v, want one for the foreign Host", c.Refusals)
	}
	if body := getBody(t, admin.URL+"/debug/pprof/", http.StatusOK); !strings.Contains(body, "goroutine") {
		t.Error("no pprof index")
	}
	getBody(t, admin.URL+"/debug/pprof/goroutine?debug=1", http.StatusOK)
	for _, path := range []string{"/counts", "/debug/pprof/"} {
		getBody(t, ts.URL+path, http.StatusNotFound)
	}
}

// The admin listener runs on its own address until its context ends.
func TestListenAndServeAdmin(t *testing.T) {
	srv := New(Options{Patterns: testPatterns(), Logger: testlog.New(t)})
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	bound := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServeAdmin(ctx, "127.0.0.1:0", func(a string) { bound <- a }) }()
	addr := <-bound
	getBody(t, "http://"+addr+"/counts", http.StatusOK)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// The Host allowlist: by default IP addresses, localhost and this machine's
// name; a rebound name gets 421, on pages and on the session socket alike.
func TestAllowedHosts(t *testing.T) {
	for _, tc := range []struct {
		allowed []string
		host    string
		ok      bool
	}{
		{nil, "127.0.0.1:8080", true},
		{nil, "[::1]:8080", true},
		{nil, "192.168.1.20:8080", true},
		{nil, "localhost:8080", true},
		{nil, "LOCALHOST.", true},
		{nil, "app.localhost", true},
		{nil, "evil.example", false},
		{nil, "evil.example:8080", false},
		{[]string{"cs.example.org", "*.school.lan"}, "cs.example.org", true},
		{[]string{"cs.example.org", "*.school.lan"}, "room4.school.lan:8080", true},
		{[]string{"cs.example.org", "*.school.lan"}, "localhost", false},
		{[]string{"cs.example.org", "*.school.lan"}, "10.0.0.1", true},
		{[]string{"*"}, "anything.example", true},
	} {
		if got := newHostPolicy(tc.allowed, "").allows(tc.host); got != tc.ok {
			t.Errorf("allowed %v, Host %q: %v, want %v", tc.allowed, tc.host, got, tc.ok)
		}
	}
	if !newHostPolicy(nil, "http://clusterscope.school.org:8080").allows("clusterscope.school.org:8080") {
		t.Error("--public-url's host is not allowed by default")
	}

	_, ts := newTestServer(t, Limits{})
	for _, path := range []string{"/", "/ws?pattern=test-ping", "/healthz"} {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.Host = "evil.example:80"
		req.Header.Set("Origin", "http://evil.example:80") // a rebound page is same-origin with itself
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusMisdirectedRequest || !strings.Contains(string(b), "--allowed-hosts") {
			t.Errorf("%s with a rebound Host: %d %s", path, res.StatusCode, b)
		}
	}
}

// With a TLS config the server speaks HTTPS (and only HTTPS).
func TestServeTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	srv := New(Options{Patterns: testPatterns(), Logger: testlog.New(t), TLS: &tls.Config{Certificates: []tls.Certificate{cert}}})
	ctx, cancel := context.WithCancel(context.Background())
	bound := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(ctx, "127.0.0.1:0", func(a string) { bound <- a }) }()
	addr := <-bound
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	res, err := hc.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.TLS == nil {
		t.Errorf("https: %d, TLS %v", res.StatusCode, res.TLS != nil)
	}
	if res, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + "/healthz"); err == nil && res.StatusCode == http.StatusOK {
		t.Error("plain HTTP was served too")
	}
	cancel()
	<-done
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "clusterscope test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
