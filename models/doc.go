// Package models is the tracker's domain: the things a membership body
// consults on (consultations, proposals, organisations, users, responses,
// concerns, the collective response), the vocabulary they are described in
// (stances, consent, roles, statuses, with their labels), the reports the
// policy team reads (summaries, overviews, coverage), and the rules that hold
// whatever stores them.
//
// It imports no database and no web framework. Package models/storage keeps
// these types in SQLite or PostgreSQL; package handlers shows them on the web.
package models
