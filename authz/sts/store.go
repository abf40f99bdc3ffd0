package sts

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/sluicedb/sluice/authz/store"
)

// Store persists sessions and role-wide revocations. Session returns
// (nil, nil) when the access key id is unknown.
type Store interface {
	PutSession(*Session) error
	Session(accessKeyID string) (*Session, error)
	// RoleRevokedAt returns the time of the last "revoke older sessions"
	// of the role, or the zero time.
	RoleRevokedAt(roleArn string) (time.Time, error)
	SetRoleRevokedAt(roleArn string, t time.Time) error
}

// MemStore is an in-memory Store.
type MemStore struct {
	mu       sync.RWMutex
	sessions map[string]Session
	revoked  map[string]time.Time
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{sessions: map[string]Session{}, revoked: map[string]time.Time{}}
}

func (m *MemStore) PutSession(s *Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[s.AccessKeyId] = s.clone()
	return nil
}

func (m *MemStore) Session(id string) (*Session, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s, ok := m.sessions[id]
	if !ok {
		return nil, nil
	}
	c := s.clone()
	return &c, nil
}

func (m *MemStore) RoleRevokedAt(roleArn string) (time.Time, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.revoked[roleArn], nil
}

func (m *MemStore) SetRoleRevokedAt(roleArn string, t time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.revoked[roleArn] = t
	return nil
}

// PurgeExpired drops sessions that expired before now (housekeeping; an
// expired session is refused either way).
func (m *MemStore) PurgeExpired(now time.Time) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for k, s := range m.sessions {
		if !now.Before(s.Expiration) {
			delete(m.sessions, k)
			n++
		}
	}
	return n
}

// Buckets of the control-plane database owned by STS.
const (
	BucketSessions    = "sts.sessions"    // ASIA… → Session
	BucketRevocations = "sts.revocations" // role ARN → time
)

// BoltStore is a Store over one transaction of the control-plane database.
type BoltStore struct{ Tx *store.Tx }

func (b BoltStore) PutSession(s *Session) error { return b.Tx.Put(BucketSessions, s.AccessKeyId, s) }

func (b BoltStore) Session(id string) (*Session, error) {
	s, ok, err := store.GetAs[Session](b.Tx, BucketSessions, id)
	if err != nil || !ok {
		return nil, err
	}
	return &s, nil
}

func (b BoltStore) RoleRevokedAt(roleArn string) (time.Time, error) {
	t, _, err := store.GetAs[time.Time](b.Tx, BucketRevocations, roleArn)
	return t, err
}

func (b BoltStore) SetRoleRevokedAt(roleArn string, t time.Time) error {
	return b.Tx.Put(BucketRevocations, roleArn, t)
}

// PurgeExpired deletes sessions that expired before now and returns how
// many (housekeeping; an expired session is refused either way).
func (b BoltStore) PurgeExpired(now time.Time) (int, error) {
	var dead []string
	err := b.Tx.Scan(BucketSessions, "", func(key string, raw []byte) error {
		var s Session
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		if !now.Before(s.Expiration) {
			dead = append(dead, key)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range dead {
		if _, err := b.Tx.Delete(BucketSessions, k); err != nil {
			return 0, err
		}
	}
	return len(dead), nil
}
