// Package sqldb is the store's one way to send SQL that GORM does not write:
// it rebinds ? placeholders for the engine, prepares a statement that
// recurs once (on a pool or in a transaction), builds bulk VALUES lists,
// logs slow and failed statements without their values, and marks the
// errors that mean the database is unavailable. Dialect holds every SQL
// difference between SQLite and PostgreSQL, so that no other file asks
// which engine it is on.
package sqldb
