package models

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"sync"
)

// serverKeys holds the database's secret once read: it never changes.
type serverKeys struct {
	mu     sync.Mutex
	secret []byte
}

// serverSecret returns the database's secret, making it the first time any
// instance needs it. Instances starting together each offer one; the first
// stored wins and every instance reads that one, so all of them sign and
// hash alike.
func (s *Store) serverSecret(ctx context.Context) ([]byte, error) {
	s.keys.mu.Lock()
	defer s.keys.mu.Unlock()
	if s.keys.secret != nil {
		return s.keys.secret, nil
	}
	const name = "server"
	read := func() (string, error) {
		var secret string
		err := s.w.WithContext(ctx).Raw("SELECT secret FROM server_keys WHERE name = ?", name).Scan(&secret).Error
		return secret, err
	}
	secret, err := read()
	if err != nil {
		return nil, err
	}
	if secret == "" {
		if err := s.w.WithContext(ctx).Exec("INSERT INTO server_keys (name, secret) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
			name, randomToken()).Error; err != nil {
			return nil, err
		}
		if secret, err = read(); err != nil {
			return nil, err
		}
		if secret == "" {
			return nil, errors.New("the server key could not be stored")
		}
	}
	s.keys.secret = []byte(secret)
	return s.keys.secret, nil
}

// SigningKey is a key for one purpose ("anonymous forms"), derived from the
// database's secret: the same on every instance, different per purpose.
func (s *Store) SigningKey(ctx context.Context, purpose string) ([]byte, error) {
	secret, err := s.serverSecret(ctx)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(purpose))
	return mac.Sum(nil), nil
}
