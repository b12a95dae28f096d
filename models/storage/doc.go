// Package storage keeps the domain of package models in SQLite (the
// embedded default) or PostgreSQL (several instances sharing one database).
// Store is the only way the rest of the product reaches the database; its
// methods are ctx-first, named after what they do in the domain, and filed by
// the entity they store: everything about proposals in proposal.go, and so on.
package storage
