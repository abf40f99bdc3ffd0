package iam

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"io"

	"github.com/sluicedb/sluice/authz/lferr"
)

// Sealer encrypts small secrets (access-key secrets, STS session state)
// under a 32-byte key kept in the sluice home, with AES-256-GCM. The
// associated data binds a sealed value to its owner (e.g. the access key
// id) so sealed blobs cannot be swapped between records.
type Sealer struct {
	aead cipher.AEAD
	rand io.Reader
}

// NewSealer returns a Sealer for a 32-byte key; random nonces come from r
// (crypto/rand.Reader when nil).
func NewSealer(key []byte, r io.Reader) (*Sealer, error) {
	if len(key) != 32 {
		return nil, lferr.New(lferr.InvalidInput, "sealing key must be 32 bytes, got %d", len(key))
	}
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, lferr.Wrap(lferr.InternalService, err, "cannot create cipher")
	}
	aead, err := cipher.NewGCM(blk)
	if err != nil {
		return nil, lferr.Wrap(lferr.InternalService, err, "cannot create GCM")
	}
	if r == nil {
		r = rand.Reader
	}
	return &Sealer{aead: aead, rand: r}, nil
}

// Seal encrypts plaintext bound to aad; the nonce is prepended.
func (s *Sealer) Seal(plaintext, aad []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return nil, lferr.Wrap(lferr.InternalService, err, "cannot read random nonce")
	}
	return s.aead.Seal(nonce, nonce, plaintext, aad), nil
}

// Open decrypts a sealed value; any tampering or a wrong aad fails.
func (s *Sealer) Open(sealed, aad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, lferr.New(lferr.InvalidInput, "sealed value is too short")
	}
	pt, err := s.aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, lferr.New(lferr.InvalidInput, "sealed value failed authentication")
	}
	return pt, nil
}
