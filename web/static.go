package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"

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
	// WalkDir goes in lexical order, so the hash is stable.
	fs.WalkDir(static.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(static.FS, path)
			h.Write([]byte(path))
			h.Write(b)
		}
		return nil
	})
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
