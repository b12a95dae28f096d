package models

import (
	"time"
)

// Sign-in throttling (docs/security.md, "Sign-in throttling"). A failed
// sign-in (or second-factor code) is counted three ways, each under a keyed
// hash that names neither the account nor the address:
//
//   - the account and address together: five failures are free; after that
//     each attempt waits 1, 2, 4, 8 and then 15 minutes after the latest
//     failure. Forgotten after a day, or when the account signs in from
//     that address.
//   - the address: MaxAddressFailures failures within AddressWindow, over
//     any accounts, refuse the address until they age out. The limit is
//     high because a whole trust may share one address.
//   - the account, from anywhere: never refuses (that would let anyone lock
//     anyone out), but AccountAlertFailures within AccountAlertWindow write
//     an alert to the audit log for the admins.
//
// A refused attempt is not a failure: nothing of it is kept.
const (
	PairFreeFailures     = 5
	PairFirstWait        = time.Minute
	PairMaxWait          = 15 * time.Minute
	PairMemory           = 24 * time.Hour
	MaxAddressFailures   = 100
	AddressWindow        = 15 * time.Minute
	AccountAlertFailures = 20
	AccountAlertWindow   = time.Hour
)
