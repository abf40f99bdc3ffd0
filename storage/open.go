package storage

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/sluicedb/sluice/authz/lferr"
)

// Open returns the store rooted at a location URI:
//
//	/abs/path, file:///abs/path   local directory (Local)
//	mem://name[/prefix]           in-memory store name, scoped to prefix (Mem)
//	s3://bucket/prefix            not configured yet: an Unsupported error
//
// Paths are taken literally, not percent-decoded: Hive partition
// directories contain escapes such as "k=a%2Fb" that are part of the name
// (as S3 keys are). Nothing here assumes a local path: callers go through
// the Store interface only.
func Open(ctx context.Context, uri string) (Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if strings.IndexByte(uri, 0) >= 0 {
		return nil, lferr.New(lferr.InvalidInput, "location URI contains a NUL byte")
	}
	switch {
	case uri == "":
		return nil, lferr.New(lferr.InvalidInput, "empty location URI")
	case strings.HasPrefix(uri, "/"):
		return openLocal(uri, uri)
	case strings.HasPrefix(uri, "file://"):
		p := strings.TrimPrefix(uri, "file://")
		// file://localhost/abs is the same as file:///abs.
		p = strings.TrimPrefix(p, "localhost")
		if !strings.HasPrefix(p, "/") {
			return nil, lferr.New(lferr.InvalidInput, "location %q: file URIs must be file:///absolute/path", uri)
		}
		return openLocal(uri, p)
	case strings.HasPrefix(uri, "mem://"):
		rest := strings.TrimPrefix(uri, "mem://")
		name, prefix, _ := strings.Cut(rest, "/")
		m, err := NewMem(name)
		if err != nil {
			return nil, err
		}
		if strings.TrimSuffix(prefix, "/") == "" {
			return m, nil
		}
		return Sub(m, prefix)
	case strings.HasPrefix(uri, "s3://"), strings.HasPrefix(uri, "s3a://"), strings.HasPrefix(uri, "s3n://"):
		return nil, &lferr.Error{Code: lferr.Unsupported, Message: "location " + uri + ": S3 object store is not configured in this build", Resource: uri}
	}
	if i := strings.Index(uri, "://"); i > 0 {
		return nil, lferr.New(lferr.InvalidInput, "location %q: unsupported scheme %q", uri, uri[:i])
	}
	return nil, lferr.New(lferr.InvalidInput, "location %q is neither an absolute path nor a URI", uri)
}

func openLocal(uri, p string) (Store, error) {
	// Refuse ".." in the location itself rather than letting Clean resolve
	// it: a location is data from the catalog, and "/wh/t/../other" naming
	// another table is more likely a trick than a typo.
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return nil, &lferr.Error{Code: lferr.AccessDenied, Message: "location " + uri + " refused: contains '..'", Resource: uri}
		}
	}
	return NewLocal(filepath.FromSlash(p))
}
