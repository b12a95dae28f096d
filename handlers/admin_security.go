package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
)

// adminIndexPage is the admin menu, with any sign-in attack alerts of the
// last day above it.
type adminIndexPage struct {
	Alerts int
}

// signInAlertPeriod is how far back the admin menu looks for alerts.
const signInAlertPeriod = 24 * time.Hour

func (h *Handler) signInAlerts(c *fiber.Ctx) (int, error) {
	entries, err := h.store.AuditLog(c.UserContext(), models.AuditFilter{Action: models.AuditSignInAttack,
		Since: h.store.Now().Add(-signInAlertPeriod), Limit: 100})
	return len(entries), err
}
