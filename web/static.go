package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"

	"clusterscope/static"

	"github.com/evanw/esbuild/pkg/api"
	"github.com/go-chi/chi/v5"
)

// assets serves the embedded browser files under /static/{version}/. The
// version is a hash of every file, so a page always loads the assets it was
// rendered with and they can be cached forever; ES module imports are
// relative, so they stay inside the same version.
//
// The files stay plain, commented ES modules and CSS in the repository; at
// start-up each is minified on its own (esbuild's transform: no bundling,
// the module graph is the one in static/) and gzipped once, so a page's
// first load is what issue 19 allows and no request spends CPU on
// compression. Each minified file links a source map (not fetched unless
// the browser's developer tools open it) that holds the original text.
type assets struct {
	version string
	files   map[string]*asset
}

// asset is one file as served: its bytes, gzipped bytes and validator.
type asset struct {
	body, gz    []byte
	contentType string
	etag        string
}

// newAssets returns the embedded files as served. They never change while
// the process runs, so every server in it (tests start hundreds) shares
// one build, which takes a few hundred milliseconds.
var newAssets = sync.OnceValue(func() *assets {
	a, err := buildAssets(static.FS)
	if err != nil {
		// The embedded files are ours and tested; a file esbuild cannot
		// parse is a bug to fix before release, not a state to run in.
		panic(err)
	}
	return a
})

func buildAssets(fsys fs.FS) (*assets, error) {
	a := &assets{files: map[string]*asset{}}
	h := sha256.New()
	// WalkDir goes in lexical order, so the hash is stable.
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ext := path.Ext(name)
		if ext == ".go" {
			return nil
		}
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		h.Write([]byte(name))
		h.Write(src)
		body, srcMap, err := minify(name, src)
		if err != nil {
			return err
		}
		a.files[name] = newAsset(body, mime.TypeByExtension(ext))
		if srcMap != nil {
			a.files[name+".map"] = newAsset(srcMap, "application/json")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.version = hex.EncodeToString(h.Sum(nil))[:10]
	return a, nil
}

// minify shrinks a script or stylesheet and returns its source map; other
// files pass through as they are.
func minify(name string, src []byte) (body, srcMap []byte, err error) {
	var loader api.Loader
	var link string
	switch path.Ext(name) {
	case ".js":
		loader, link = api.LoaderJS, "//# sourceMappingURL=%s.map\n"
	case ".css":
		loader, link = api.LoaderCSS, "/*# sourceMappingURL=%s.map */\n"
	default:
		return src, nil, nil
	}
	r := api.Transform(string(src), api.TransformOptions{
		Loader:            loader,
		Sourcefile:        name,
		Sourcemap:         api.SourceMapExternal,
		MinifyWhitespace:  true,
		MinifySyntax:      true,
		MinifyIdentifiers: true,
		LegalComments:     api.LegalCommentsNone,
		Charset:           api.CharsetUTF8,
	})
	if len(r.Errors) > 0 {
		e := r.Errors[0]
		if e.Location != nil {
			return nil, nil, fmt.Errorf("static/%s:%d:%d: %s", name, e.Location.Line, e.Location.Column, e.Text)
		}
		return nil, nil, fmt.Errorf("static/%s: %s", name, e.Text)
	}
	return append(r.Code, fmt.Sprintf(link, path.Base(name))...), r.Map, nil
}

func newAsset(body []byte, contentType string) *asset {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(body)
	zw.Close()
	sum := sha256.Sum256(body)
	return &asset{
		body:        body,
		gz:          buf.Bytes(),
		contentType: contentType,
		etag:        `"` + hex.EncodeToString(sum[:8]) + `"`,
	}
}

func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	f := a.files[chi.URLParam(r, "*")]
	if f == nil {
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	if chi.URLParam(r, "version") == a.version {
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// An old page asking after an upgrade: serve today's file, and
		// make the browser ask again (the ETag keeps that cheap).
		hd.Set("Cache-Control", "no-cache")
	}
	hd.Set("ETag", f.etag)
	hd.Set("Vary", "Accept-Encoding")
	if f.contentType != "" {
		hd.Set("Content-Type", f.contentType)
	}
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	if acceptsGzip(r) && len(f.gz) < len(f.body) {
		hd.Set("Content-Encoding", "gzip")
		body = f.gz
	}
	hd.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// acceptsGzip reads Accept-Encoding well enough for browsers and curl: gzip
// listed and not refused with q=0.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			return strings.ReplaceAll(params, " ", "") != "q=0"
		}
	}
	return false
}
