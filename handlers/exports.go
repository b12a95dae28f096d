package handlers

import (
	"bytes"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/handlers/netguard"
	"github.com/nhsproviders/consultation-tracker/models"
)

// exportResponses streams the responses CSV of DESIGN's contract:
// ?consultation=<id> (default every consultation), the summary's filters
// (type, region, system_status) and ?status=submitted (default) or all.
func (h *Handler) exportResponses(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u, _ := currentUser(c)
	f, err := filterFrom(c)
	if err != nil {
		return err
	}
	q := models.ExportQuery{Filter: f}
	name := []string{"responses"}
	if v := c.Query("consultation"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return fiber.NewError(fiber.StatusBadRequest, "The consultation must be given by its number; choose it from the list and try again.")
		}
		cons, err := h.store.ConsultationByID(ctx, id)
		if err != nil {
			return err
		}
		q.ConsultationID = cons.ID
		name = append(name, cons.Slug)
	} else {
		name = append(name, "all")
	}
	switch c.Query("status") {
	case "", string(models.StatusSubmitted):
	case "all":
		q.IncludeDrafts = true
		name = append(name, "with-drafts")
	default:
		return fiber.NewError(fiber.StatusBadRequest, "The status must be submitted (the default) or all, which includes drafts.")
	}
	name = append(name, filterSlug(f)...)
	name = append(name, h.store.Now().Format("2006-01-02"))
	if err := h.store.Audit(ctx, u.ID, models.AuditExport, "responses.csv", q.Describe()); err != nil {
		return err
	}
	setCSVHeaders(c, strings.Join(name, "-")+".csv")
	store, log, rid := h.store, h.log, requestID(c)
	// The body is written after this handler returns, straight from the
	// database cursors; the status is sent by then, so a failure is logged.
	// The request's context lives until the body is written.
	ctx, release := streamContext(c)
	c.Context().SetBodyStream(netguard.StreamedBody{Conn: c.Context().Conn(), Timeout: h.writeTimeout, Release: release, Write: func(w io.Writer) error {
		n, err := store.ExportResponses(ctx, w, q)
		if err != nil {
			log.Error("export responses", "request_id", rid, "rows_written", n, "err", err)
		}
		// A large export passes a gigabyte of short-lived rows through the
		// heap, which grows to twice its live size while it runs; the Go
		// runtime gives that back to the system only slowly, and a burst of
		// sign-ins just after (19 MiB apiece) stacked on top of it. Hand it
		// back now: one collection per export.
		if n >= bigExport {
			debug.FreeOSMemory()
		}
		return err
	}}, -1)
	return nil
}

// bigExport is how many rows make an export worth returning its memory for.
const bigExport = 100_000

// summaryCSV is a proposal's summary as section,key,count,share rows, from
// the same ProposalSummary as the page and the JSON.
func (h *Handler) summaryCSV(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u, _ := currentUser(c)
	f, err := filterFrom(c)
	if err != nil {
		return err
	}
	s, err := h.store.ProposalSummary(ctx, c.Params("ref"), f)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := models.WriteSummaryCSV(&buf, s); err != nil {
		return err
	}
	detail := strings.TrimSpace(s.Proposal.Ref + " " + models.DescribeFilter(f))
	if err := h.store.Audit(ctx, u.ID, models.AuditExport, "summary.csv", detail); err != nil {
		return err
	}
	name := append([]string{s.Proposal.Ref, "summary"}, filterSlug(f)...)
	setCSVHeaders(c, strings.Join(append(name, h.store.Now().Format("2006-01-02")), "-")+".csv")
	return c.Send(buf.Bytes())
}

func setCSVHeaders(c *fiber.Ctx, filename string) {
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, safeFilename(filename)))
}

// filterSlug names a filter's parts for a file name: type-acute, region-south-east.
func filterSlug(f models.Filter) []string {
	var out []string
	for _, p := range []struct{ key, value string }{{"type", f.Type}, {"region", f.Region}, {"system", f.SystemStatus}} {
		if p.value != "" {
			out = append(out, p.key+"-"+p.value)
		}
	}
	return out
}

// safeFilename keeps letters, digits, dot, dash and underscore, lower case,
// so the header needs no quoting rules.
func safeFilename(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '-'
	}, strings.ToLower(s))
}
