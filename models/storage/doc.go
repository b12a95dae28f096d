// Package storage keeps the domain of package models in SQLite (the
// embedded default) or PostgreSQL (several instances sharing one database).
// Store is the only way the rest of the product reaches the database; its
// methods are ctx-first, named after what they do in the domain, and filed by
// the entity they store: everything about proposals in proposal.go, and so on.
//
// GORM sets up the connections (dialector, pools, error translation, the
// query log), runs transactions, and does simple reads and writes of one
// struct or a list of them (First, Create, Updates, Where … Find). SQL the
// store writes itself (reports, joins, counts) goes through GORM's Raw …
// Scan, which scans rows into structs, with ? placeholders in every engine.
// GORM is not used for what it does badly: bulk writes (the CSV import, the
// tallies), the queries every request runs on the reader pool, and anything
// that differs between the engines. Those go through package sqldb, which
// rebinds placeholders, prepares statements once, builds the VALUES lists and
// holds every SQLite/PostgreSQL difference (sqldb.Dialect).
package storage
