package audit

import (
	"bufio"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluicedb/sluice/authz/lferr"
)

// File is the audit log's name inside the home.
const File = "audit.log"

// Decisions.
const (
	Allow = "ALLOW"
	Deny  = "DENY"
)

// Event is one audit record. Field names follow CloudTrail's where one
// exists.
type Event struct {
	Time      time.Time `json:"eventTime"`
	EventName string    `json:"eventName"` // GetUnfilteredTableMetadata, GetDataAccess, ...
	// Action is the IAM action authorized (glue:GetTable, lakeformation:GetDataAccess).
	Action      string            `json:"action,omitempty"`
	Principal   string            `json:"principal"`
	Account     string            `json:"account,omitempty"`
	CallerKind  string            `json:"callerKind,omitempty"`
	SessionTags map[string]string `json:"sessionTags,omitempty"`
	// Resource is the table (or partition) ARN.
	Resource  string `json:"resource,omitempty"`
	Decision  string `json:"decision"`
	ErrorCode string `json:"errorCode,omitempty"`
	Reason    string `json:"reason,omitempty"`

	QueryAuthorizationId   string   `json:"queryAuthorizationId,omitempty"`
	QueryId                string   `json:"queryId,omitempty"`
	AdditionalAuditContext string   `json:"additionalAuditContext,omitempty"`
	RequestedColumns       []string `json:"requestedColumns,omitempty"`
	AllColumnsRequested    *bool    `json:"allColumnsRequested,omitempty"`

	SupportedPermissionTypes []string `json:"supportedPermissionTypes,omitempty"`
	RequestedPermissions     []string `json:"requestedPermissions,omitempty"`
	// What the decision gave.
	Permissions       []string `json:"permissions,omitempty"`
	AuthorizedColumns []string `json:"authorizedColumns,omitempty"`
	RowFilter         string   `json:"rowFilter,omitempty"`
	CellFiltered      []string `json:"cellFilteredColumns,omitempty"`
	Filters           []string `json:"filtersApplied,omitempty"`
	Masks             []string `json:"masksApplied,omitempty"`
	// Credential vends.
	VendedPath      string     `json:"vendedPath,omitempty"`
	Scope           string     `json:"credentialsScope,omitempty"`
	AccessKeyId     string     `json:"accessKeyId,omitempty"`
	Expiration      *time.Time `json:"expiration,omitempty"`
	DurationSeconds int32      `json:"durationSeconds,omitempty"`
}

// Log is an open audit log. It is safe for concurrent use.
//
// Appends are group-committed without a goroutine: each writer writes its
// line under mu and takes a sequence number, then under syncMu fsyncs only
// if no other writer's fsync has already covered its line. Concurrent
// callers thus share fsyncs while each still returns only once its own
// line is durable.
type Log struct {
	mu      sync.Mutex // guards f, written
	f       *os.File
	written uint64 // lines written

	syncMu sync.Mutex // guards synced; held across fsync
	synced uint64     // lines known durable

	path   string
	noSync bool
	// sync makes the file durable ((*os.File).Sync); syncs counts calls.
	// Tests substitute a slow sync to check that concurrent appends
	// share one.
	sync  func(*os.File) error
	syncs uint64 // guarded by syncMu
}

// Open opens (creating, mode 0600) HOME/audit.log for appending. noSync
// skips the fsync: tests and benchmarks only.
func Open(home string, noSync bool) (*Log, error) {
	p := filepath.Join(home, File)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, lferr.Wrap(lferr.InternalService, err, "cannot open the audit log %s: %v", p, err)
	}
	return &Log{f: f, path: p, noSync: noSync, sync: (*os.File).Sync}, nil
}

// Path is the log file's path.
func (l *Log) Path() string { return l.path }

// Close closes the log.
func (l *Log) Close() error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// Append writes e as one line and syncs it. An error means the event may
// not be durable: the caller must not return the answer it audits.
func (l *Log) Append(e *Event) error {
	b, err := json.Marshal(e)
	if err != nil {
		return lferr.Wrap(lferr.InternalService, err, "cannot encode an audit event: %v", err)
	}
	b = append(b, '\n')
	l.mu.Lock()
	f := l.f
	if f == nil {
		l.mu.Unlock()
		return lferr.New(lferr.InternalService, "the audit log %s is closed; refusing to answer unaudited", l.path)
	}
	// One write(2) on an O_APPEND file: lines never interleave.
	if _, err := f.Write(b); err != nil {
		l.mu.Unlock()
		return lferr.Wrap(lferr.InternalService, err, "cannot write the audit log %s: %v; refusing to answer unaudited", l.path, err)
	}
	l.written++
	seq := l.written
	l.mu.Unlock()
	if l.noSync {
		return nil
	}
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	if l.synced >= seq {
		return nil // another writer's fsync covered this line
	}
	l.mu.Lock()
	upto, f := l.written, l.f
	l.mu.Unlock()
	if f == nil {
		return lferr.New(lferr.InternalService, "the audit log %s was closed before the event was synced; refusing to answer unaudited", l.path)
	}
	l.syncs++
	if err := l.sync(f); err != nil {
		return lferr.Wrap(lferr.InternalService, err, "cannot sync the audit log %s: %v; refusing to answer unaudited", l.path, err)
	}
	l.synced = upto
	return nil
}

// Filter selects events in Read; zero fields match everything.
type Filter struct {
	Principal            string
	QueryId              string
	QueryAuthorizationId string
	Decision             string
	EventName            string
	Since, Until         time.Time // Until exclusive
	// Limit keeps only the last Limit matching events (0: all).
	Limit int
}

func (f *Filter) match(e *Event) bool {
	return (f.Principal == "" || e.Principal == f.Principal) &&
		(f.QueryId == "" || e.QueryId == f.QueryId) &&
		(f.QueryAuthorizationId == "" || e.QueryAuthorizationId == f.QueryAuthorizationId) &&
		(f.Decision == "" || e.Decision == f.Decision) &&
		(f.EventName == "" || e.EventName == f.EventName) &&
		(f.Since.IsZero() || !e.Time.Before(f.Since)) &&
		(f.Until.IsZero() || e.Time.Before(f.Until))
}

// Read returns the events of HOME/audit.log that match f, oldest first. A
// home without a log has no events.
func Read(home string, f Filter) ([]Event, error) {
	p := filepath.Join(home, File)
	fh, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, lferr.Wrap(lferr.InternalService, err, "cannot open the audit log %s: %v", p, err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var out []Event
	line := 0
	var pendingErr error
	for sc.Scan() {
		line++
		if pendingErr != nil {
			// A malformed line followed by more lines is corruption, not
			// a torn tail.
			return nil, pendingErr
		}
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			pendingErr = lferr.Wrap(lferr.InternalService, err, "audit log %s line %d is not a JSON event: %v", p, line, err)
			continue
		}
		if f.match(&e) {
			out = append(out, e)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, lferr.Wrap(lferr.InternalService, err, "cannot read the audit log %s: %v", p, err)
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	return out, nil
}

// String renders an event on one line for people (`sluice audit`):
// time, decision, event, principal, resource, then whatever applies.
func (e *Event) String() string {
	var b strings.Builder
	b.WriteString(e.Time.UTC().Format(time.RFC3339))
	b.WriteString(" " + e.Decision + " " + e.EventName + " " + e.Principal)
	if e.Resource != "" {
		b.WriteString(" on " + e.Resource)
	}
	if e.QueryId != "" {
		b.WriteString(" query=" + e.QueryId)
	}
	if e.QueryAuthorizationId != "" {
		b.WriteString(" qaid=" + e.QueryAuthorizationId)
	}
	if e.ErrorCode != "" {
		b.WriteString(" " + e.ErrorCode + ": " + e.Reason)
	}
	if len(e.Filters) > 0 {
		b.WriteString(" filters=" + strings.Join(e.Filters, ","))
	}
	if len(e.Masks) > 0 {
		b.WriteString(" masks=" + strings.Join(e.Masks, ","))
	}
	if e.RowFilter != "" {
		b.WriteString(" rows=" + strconv.Quote(e.RowFilter))
	}
	if e.VendedPath != "" {
		b.WriteString(" vended " + e.Scope + " " + e.VendedPath)
		if e.Expiration != nil {
			b.WriteString(" until " + e.Expiration.UTC().Format(time.RFC3339))
		}
	}
	return b.String()
}
