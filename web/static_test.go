package web

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"clusterscope/static"
	"clusterscope/web/testlog"
)

// The served scripts are the repository's, minified: smaller, still ES
// modules with the same relative imports, linking a source map that holds
// the original text.
func TestStaticAssetsAreMinifiedWithSourceMaps(t *testing.T) {
	srv := New(Options{Patterns: testPatterns(), Logger: testlog.New(t)})
	cur := "/static/" + srv.assets.version
	src, _ := static.FS.ReadFile("app.js")
	js := body(t, get(t, srv, cur+"/app.js", false))
	if len(js) > len(src)*3/4 {
		t.Errorf("app.js is served at %d bytes of %d: not minified", len(js), len(src))
	}
	if !strings.Contains(js, `from"./cluster.js"`) || !strings.HasSuffix(js, "//# sourceMappingURL=app.js.map\n") {
		t.Errorf("app.js lost its imports or its source map link: %q…%q", js[:min(len(js), 200)], js[max(0, len(js)-60):])
	}
	res := get(t, srv, cur+"/app.js.map", false)
	var m struct {
		Sources        []string `json:"sources"`
		SourcesContent []string `json:"sourcesContent"`
	}
	if err := json.Unmarshal([]byte(body(t, res)), &m); err != nil || len(m.SourcesContent) != 1 || m.SourcesContent[0] != string(src) {
		t.Errorf("app.js.map does not carry app.js: %v %v", err, m.Sources)
	}
	css := body(t, get(t, srv, cur+"/style.css", false))
	if strings.Contains(css, "\n  ") || !strings.Contains(css, "sourceMappingURL=style.css.map") {
		t.Errorf("style.css is not minified with a map: %q", css[:min(len(css), 200)])
	}
}

// An asset comes gzipped to a browser that takes it, plain otherwise, and a
// browser revalidating its copy gets 304 without the body.
func TestStaticAssetsNegotiateAndRevalidate(t *testing.T) {
	srv := New(Options{Patterns: testPatterns(), Logger: testlog.New(t)})
	path := "/static/" + srv.assets.version + "/cluster.js"
	zipped := get(t, srv, path, true)
	plain := get(t, srv, path, false)
	if zipped.Header.Get("Content-Encoding") != "gzip" || plain.Header.Get("Content-Encoding") != "" ||
		!strings.Contains(zipped.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("encodings: %v / %v", zipped.Header, plain.Header)
	}
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if want := body(t, plain); string(unzipped) != want {
		t.Fatal("the gzipped and plain bodies differ")
	}
	etag := zipped.Header.Get("ETag")
	if etag == "" || etag != plain.Header.Get("ETag") {
		t.Fatalf("ETag %q / %q", etag, plain.Header.Get("ETag"))
	}
	for _, tc := range []struct {
		match string
		want  int
	}{{etag, 304}, {`"other", ` + etag, 304}, {`"other"`, 200}} {
		req := httptest.NewRequest("GET", path, nil)
		req.Host = "localhost"
		req.Header.Set("If-None-Match", tc.match)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != tc.want || tc.want == 304 && rec.Body.Len() != 0 {
			t.Errorf("If-None-Match %s: %d with %d bytes, want %d", tc.match, rec.Code, rec.Body.Len(), tc.want)
		}
	}
	for _, ae := range []string{"gzip;q=0", "br, deflate", ""} {
		req := httptest.NewRequest("GET", path, nil)
		req.Host = "localhost"
		req.Header.Set("Accept-Encoding", ae)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Header().Get("Content-Encoding") != "" {
			t.Errorf("Accept-Encoding %q got gzip", ae)
		}
	}
}

// A script esbuild cannot parse stops the build with its name and line,
// rather than reaching a browser broken.
func TestBuildAssetsRefusesBrokenScript(t *testing.T) {
	_, err := buildAssets(fstest.MapFS{
		"ok.js":  {Data: []byte("export const a = 1;\n")},
		"bad.js": {Data: []byte("const x = ;\n")},
	})
	if err == nil || !strings.Contains(err.Error(), "static/bad.js:1:") {
		t.Fatalf("err = %v", err)
	}
	a, err := buildAssets(fstest.MapFS{"icon.svg": {Data: bytes.Repeat([]byte("<svg/>"), 50)}})
	if err != nil || string(a.files["icon.svg"].body) != strings.Repeat("<svg/>", 50) || a.files["icon.svg.map"] != nil {
		t.Fatalf("an SVG should pass through unchanged: %v", err)
	}
}
