package storage

import (
	"io/fs"
	"strings"

	"github.com/sluicedb/sluice/authz/lferr"
)

// CheckKey validates an object key: '/'-separated, relative, no empty, "."
// or ".." segments, no NUL bytes, no backslashes (a Windows separator on
// some stores, an escape hazard on all), no trailing '/'. It is the first
// line of defence against a key escaping a store's root; every Store in
// this package calls it on every key it is given, so a store handed out for
// one table can never be steered at another.
func CheckKey(key string) error {
	if key == "" {
		return lferr.New(lferr.InvalidInput, "empty object key")
	}
	return checkPath(key, false)
}

// CheckPrefix validates a List prefix: like CheckKey, but the empty prefix
// (everything) and a trailing '/' are allowed.
func CheckPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	return checkPath(prefix, true)
}

func checkPath(p string, isPrefix bool) error {
	if strings.IndexByte(p, 0) >= 0 {
		return lferr.New(lferr.InvalidInput, "object key %q contains a NUL byte", p)
	}
	if strings.IndexByte(p, '\\') >= 0 {
		return lferr.New(lferr.InvalidInput, "object key %q contains a backslash", p)
	}
	if p[0] == '/' {
		return &lferr.Error{Code: lferr.AccessDenied, Message: "absolute object key " + quote(p) + " refused: keys are relative to the store root", Resource: p}
	}
	body := p
	if isPrefix {
		body = strings.TrimSuffix(p, "/")
		if body == "" {
			return lferr.New(lferr.InvalidInput, "object prefix %q is not valid", p)
		}
	} else if strings.HasSuffix(p, "/") {
		return lferr.New(lferr.InvalidInput, "object key %q ends with '/'", p)
	}
	for _, seg := range strings.Split(body, "/") {
		switch seg {
		case "..":
			return &lferr.Error{Code: lferr.AccessDenied, Message: "object key " + quote(p) + " refused: '..' would escape the store root", Resource: p}
		case ".", "":
			return lferr.New(lferr.InvalidInput, "object key %q has an empty or '.' segment", p)
		}
	}
	return nil
}

func quote(s string) string { return "\"" + strings.ReplaceAll(s, "\"", "\\\"") + "\"" }

// Hidden reports whether a key segment is hidden the way Hive tooling
// treats it: names starting with '_' (_SUCCESS, _temporary, _sluice_*) or
// '.' (.crc files, in-progress .tmp- files).
func Hidden(segment string) bool {
	return segment != "" && (segment[0] == '_' || segment[0] == '.')
}

// visible reports whether key (known to start with prefix) is listed: no
// segment after the prefix's directory part may be hidden, so listing an
// explicitly hidden directory ("_meta/") still works.
func visible(prefix, key string) bool {
	dir := prefix[:strings.LastIndexByte(prefix, '/')+1]
	for _, seg := range strings.Split(key[len(dir):], "/") {
		if Hidden(seg) {
			return false
		}
	}
	return true
}

// notFound is the error for a missing object; errors.Is(err, fs.ErrNotExist)
// holds for it.
func notFound(root, key string) error {
	return &lferr.Error{Code: lferr.StorageError, Message: "object " + quote(key) + " not found in " + root, Resource: key, Err: fs.ErrNotExist}
}

// ioErr wraps an I/O failure, naming the object (rule: a disk-full or I/O
// error surfaces as an error naming what was being read or written).
func ioErr(op, root, key string, err error) error {
	return &lferr.Error{Code: lferr.StorageError, Message: op + " " + quote(key) + " in " + root + ": " + err.Error(), Resource: key, Err: err}
}
