package storage

import (
	"context"

	"github.com/nhsproviders/consultation-tracker/models"
)

// NonResponders reports the organisations of the segment that have not
// submitted every proposal of the consultation. Drafts do not count as
// submitted; they are marked.
func (s *Store) NonResponders(ctx context.Context, consultationID int64, f models.Filter) (_ models.NonResponseReport, err error) {
	defer func() { err = wrapped(err, "report non-responders of consultation %d", consultationID) }()
	rep := models.NonResponseReport{Filter: f}
	db := s.r.WithContext(ctx)
	if err := db.Where("id = ?", consultationID).Take(&rep.Consultation).Error; err != nil {
		return rep, notFound(err)
	}
	cond, fargs := filterWhere(f)
	if err := db.Raw("SELECT COUNT(*) FROM organisations o WHERE "+cond, fargs...).Scan(&rep.Organisations).Error; err != nil {
		return rep, err
	}
	if err := db.Raw("SELECT COUNT(*) FROM proposals WHERE consultation_id = ?", consultationID).Scan(&rep.Proposals).Error; err != nil {
		return rep, err
	}
	var rows []struct {
		Code, Name, Type, Region, SystemStatus, ContactName, ContactEmail string
		Ref                                                               string
		Draft                                                             bool
	}
	err = db.Raw(`SELECT o.code, o.name, o.type, o.region, o.system_status, o.contact_name, o.contact_email,
			p.ref, (r.id IS NOT NULL) AS draft
		FROM organisations o
		CROSS JOIN proposals p
		LEFT JOIN responses r ON r.organisation_id = o.id AND r.proposal_id = p.id
		WHERE p.consultation_id = ? AND (r.id IS NULL OR r.status <> 'submitted') AND `+cond+`
		ORDER BY o.name, o.id, p.position, p.id`,
		append([]any{consultationID}, fargs...)...).Scan(&rows).Error
	if err != nil {
		return rep, err
	}
	for _, r := range rows {
		n := len(rep.Outstanding)
		if n == 0 || rep.Outstanding[n-1].Code != r.Code {
			rep.Outstanding = append(rep.Outstanding, models.OutstandingOrganisation{Code: r.Code, Name: r.Name, Type: r.Type,
				Region: r.Region, SystemStatus: r.SystemStatus, ContactName: r.ContactName, ContactEmail: r.ContactEmail})
			n++
		}
		rep.Outstanding[n-1].Missing = append(rep.Outstanding[n-1].Missing, models.OutstandingProposal{Ref: r.Ref, Draft: r.Draft})
	}
	return rep, nil
}

// sparseOutstanding is how many outstanding organisations a proposal may
// have for firstNonResponders to start from them rather than from the names.
const sparseOutstanding = 5000

// firstNonResponders lists the first SummaryNonResponderLimit organisations of the
// filter's segment, by name, that have not submitted a response to the
// proposal, reading the outstanding table (tally.go). When few are
// outstanding it reads them all and sorts; when many are, it walks the
// organisations by name and soon finds enough. Either way the cost stays far
// below a scan of every member.
func (s *Store) firstNonResponders(ctx context.Context, proposalID int64, f models.Filter) ([]models.NonResponder, error) {
	db := s.r.WithContext(ctx)
	var outstanding int
	if err := db.Raw(`SELECT COALESCE((SELECT SUM(n) FROM organisation_tallies WHERE org_type = '' AND region = '' AND system_status = ''), 0)
		- COALESCE((SELECT SUM(n) FROM stance_tallies WHERE proposal_id = ? AND org_type = '' AND region = '' AND system_status = ''), 0)`,
		proposalID).Scan(&outstanding).Error; err != nil {
		return nil, err
	}
	cond, fargs := filterWhere(f)
	const hasDraft = `EXISTS (SELECT 1 FROM responses d WHERE d.organisation_id = o.id AND d.proposal_id = ? AND d.status = 'draft') AS has_draft`
	var sql string
	if outstanding <= sparseOutstanding {
		// CROSS JOIN keeps SQLite's join order: the outstanding pairs first.
		sql = `SELECT o.code, o.name, o.type, o.region, ` + hasDraft + `
			FROM outstanding x CROSS JOIN organisations o
			WHERE x.proposal_id = ? AND o.id = x.organisation_id AND ` + cond
	} else {
		sql = `SELECT o.code, o.name, o.type, o.region, ` + hasDraft + `
			FROM organisations o
			WHERE EXISTS (SELECT 1 FROM outstanding x WHERE x.proposal_id = ? AND x.organisation_id = o.id) AND ` + cond
	}
	var out []models.NonResponder
	err := db.Raw(sql+" ORDER BY o.name, o.code LIMIT ?",
		append(append([]any{proposalID, proposalID}, fargs...), models.SummaryNonResponderLimit)...).Scan(&out).Error
	return out, err
}
