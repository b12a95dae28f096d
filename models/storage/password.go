package storage

import (
	_ "embed"
	"sync"

	"github.com/nhsproviders/consultation-tracker/models"
)

// dummyHash is verified against when an email is unknown, so that a wrong
// email takes as long to refuse as a wrong password. It is made on first
// use, not at start: hashing costs a start-up (and every CLI command) tens
// of milliseconds of CPU, hundreds on a busy machine.
var dummyHash = sync.OnceValue(func() string {
	h, _ := models.HashPassword("not-a-real-password-for-timing")
	return h
})
