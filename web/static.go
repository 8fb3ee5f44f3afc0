package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net"
	"net/http"
	"sort"

	"clusterscope/static"

	"github.com/go-chi/chi/v5"
)

// assets serves the embedded browser files under /static/{version}/. The
// version is a hash of every file, so a page always loads the assets it was
// rendered with and they can be cached forever; ES module imports are
// relative, so they stay inside the same version.
type assets struct {
	version string
	files   http.Handler
}

func newAssets() *assets {
	h := sha256.New()
	var names []string
	fs.WalkDir(static.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, path)
		}
		return nil
	})
	sort.Strings(names)
	for _, n := range names {
		b, _ := fs.ReadFile(static.FS, n)
		h.Write([]byte(n))
		h.Write(b)
	}
	return &assets{
		version: hex.EncodeToString(h.Sum(nil))[:10],
		files:   http.FileServerFS(static.FS),
	}
}

func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	if chi.URLParam(r, "version") == a.version {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// An old page asking after an upgrade: serve today's file, uncached.
		w.Header().Set("Cache-Control", "no-cache")
	}
	name := chi.URLParam(r, "*")
	if name == "" {
		http.NotFound(w, r)
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + name
	a.files.ServeHTTP(w, r2)
}

func listen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }
