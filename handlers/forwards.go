package handlers

import (
	"log/slog"
	"net"

	"github.com/nhsproviders/consultation-tracker/handlers/logging"
	"github.com/nhsproviders/consultation-tracker/handlers/netguard"
)

// main reaches the listener's and the log's protections through handlers;
// they live in netguard and logging.

// DefaultConnsPerAddress is netguard.DefaultConnsPerAddress.
const DefaultConnsPerAddress = netguard.DefaultConnsPerAddress

// ConnLimits configures LimitConnections (see netguard.ConnLimits).
type ConnLimits = netguard.ConnLimits

// LimitConnections is netguard.LimitConnections.
func LimitConnections(ln net.Listener, l ConnLimits) (net.Listener, error) {
	return netguard.LimitConnections(ln, l)
}

// RedactSecrets is logging.RedactSecrets.
func RedactSecrets(next slog.Handler) slog.Handler { return logging.RedactSecrets(next) }
