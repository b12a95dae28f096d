package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// duplicate names the field behind a unique-constraint violation; each table
// an admin edits has one unique column besides its id.
func duplicate(err error, field string) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return models.DuplicateError{Field: field}
	}
	return err
}

// ConsultationRows lists every consultation, drafts included, newest first.
func (s *Store) ConsultationRows(ctx context.Context) ([]models.ConsultationRow, error) {
	var rows []models.ConsultationRow
	err := s.r.WithContext(ctx).Raw(`SELECT c.*,
		(SELECT COUNT(*) FROM proposals p WHERE p.consultation_id = c.id) AS proposals
		FROM consultations c ORDER BY c.published_at DESC, c.id DESC`).Scan(&rows).Error
	return rows, err
}

// CreateConsultation adds a consultation; a slug in use is a DuplicateError.
func (s *Store) CreateConsultation(ctx context.Context, actorID int64, in models.ConsultationInput) (models.Consultation, error) {
	now := s.Now()
	c := models.Consultation{Slug: in.Slug, Title: in.Title, Issuer: in.Issuer, Background: in.Background, Status: in.Status,
		PublishedAt: in.PublishedAt.UTC(), ClosesAt: in.ClosesAt.UTC(), MemberDeadline: in.MemberDeadline.UTC(),
		CreatedAt: now, UpdatedAt: now}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&c).Error; err != nil {
			return duplicate(err, "slug")
		}
		return auditTx(tx, now, actorID, models.AuditAdminChange, "consultation "+c.Slug,
			fmt.Sprintf("created “%s” (%s)", auditClip(c.Title), c.Status))
	})
	return c, err
}

// UpdateConsultation changes a consultation and records what changed.
func (s *Store) UpdateConsultation(ctx context.Context, actorID, id int64, in models.ConsultationInput) (models.Consultation, error) {
	var c models.Consultation
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", id).Take(&c).Error; err != nil {
			return notFound(err)
		}
		var ch changeLog
		ch.value("slug", c.Slug, in.Slug)
		ch.value("title", c.Title, in.Title)
		ch.value("issuer", c.Issuer, in.Issuer)
		ch.text("background", c.Background, in.Background)
		ch.value("status", c.Status, in.Status)
		ch.when("published", c.PublishedAt, in.PublishedAt)
		ch.when("closes", c.ClosesAt, in.ClosesAt)
		ch.when("member deadline", c.MemberDeadline, in.MemberDeadline)
		if len(ch) == 0 {
			return nil
		}
		subject := "consultation " + c.Slug
		now := s.Now()
		c.Slug, c.Title, c.Issuer, c.Background, c.Status = in.Slug, in.Title, in.Issuer, in.Background, in.Status
		c.PublishedAt, c.ClosesAt, c.MemberDeadline = in.PublishedAt.UTC(), in.ClosesAt.UTC(), in.MemberDeadline.UTC()
		c.UpdatedAt = now
		if err := tx.Model(&models.Consultation{}).Where("id = ?", id).Updates(map[string]any{
			"slug": c.Slug, "title": c.Title, "issuer": c.Issuer, "background": c.Background, "status": c.Status,
			"published_at": c.PublishedAt, "closes_at": c.ClosesAt, "member_deadline": c.MemberDeadline, "updated_at": now,
		}).Error; err != nil {
			return duplicate(err, "slug")
		}
		return auditTx(tx, now, actorID, models.AuditAdminChange, subject, ch.String())
	})
	return c, err
}

// ProposalByID returns one proposal.
func (s *Store) ProposalByID(ctx context.Context, id int64) (models.Proposal, error) {
	var p models.Proposal
	err := s.r.WithContext(ctx).Where("id = ?", id).Take(&p).Error
	return p, notFound(err)
}

// ProposalGroups lists the group titles a consultation's proposals use, in order.
func (s *Store) ProposalGroups(ctx context.Context, consultationID int64) ([]string, error) {
	var groups []string
	err := s.r.WithContext(ctx).Raw(`SELECT group_title FROM proposals WHERE consultation_id = ?
		GROUP BY group_title ORDER BY MIN(position), group_title`, consultationID).Scan(&groups).Error
	return groups, err
}

// CreateProposal adds a proposal to a consultation; a reference in use in
// any consultation is a DuplicateError.
func (s *Store) CreateProposal(ctx context.Context, actorID, consultationID int64, in models.ProposalInput) (models.Proposal, error) {
	now := s.Now()
	p := models.Proposal{ConsultationID: consultationID, Ref: in.Ref, GroupTitle: in.GroupTitle, Title: in.Title,
		Summary: in.Summary, Change: in.Change, PowerDirection: in.PowerDirection, Position: 1 << 30,
		CreatedAt: now, UpdatedAt: now}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var c models.Consultation
		if err := tx.Where("id = ?", consultationID).Take(&c).Error; err != nil {
			return notFound(err)
		}
		if err := tx.Create(&p).Error; err != nil {
			return duplicate(err, "ref")
		}
		if err := outstandingForProposal(tx, p.ID); err != nil {
			return err
		}
		pos, err := reposition(tx, "proposals", "consultation_id", consultationID, p.ID, in.Position)
		if err != nil {
			return err
		}
		p.Position = pos
		return auditTx(tx, now, actorID, models.AuditAdminChange, "proposal "+p.Ref,
			fmt.Sprintf("created “%s” in consultation %s at position %d", auditClip(p.Title), c.Slug, pos))
	})
	return p, err
}

// UpdateProposal changes a proposal, moving it if Position says so.
func (s *Store) UpdateProposal(ctx context.Context, actorID, id int64, in models.ProposalInput) (models.Proposal, error) {
	var p models.Proposal
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", id).Take(&p).Error; err != nil {
			return notFound(err)
		}
		var ch changeLog
		ch.value("reference", p.Ref, in.Ref)
		ch.value("group", p.GroupTitle, in.GroupTitle)
		ch.value("title", p.Title, in.Title)
		ch.text("summary", p.Summary, in.Summary)
		ch.text("what it would change", p.Change, in.Change)
		ch.value("power direction", p.PowerDirection, in.PowerDirection)
		subject := "proposal " + p.Ref
		now := s.Now()
		if len(ch) > 0 {
			if err := tx.Model(&models.Proposal{}).Where("id = ?", id).Updates(map[string]any{
				"ref": in.Ref, "group_title": in.GroupTitle, "title": in.Title, "summary": in.Summary,
				"change": in.Change, "power_direction": in.PowerDirection, "updated_at": now,
			}).Error; err != nil {
				return duplicate(err, "ref")
			}
			p.Ref, p.GroupTitle, p.Title, p.Summary, p.Change, p.PowerDirection = in.Ref, in.GroupTitle, in.Title, in.Summary, in.Change, in.PowerDirection
			p.UpdatedAt = now
		}
		from, err := rankOf(tx, "proposals", "consultation_id", p.ConsultationID, p.ID)
		if err != nil {
			return err
		}
		if in.Position > 0 && in.Position != from {
			pos, err := reposition(tx, "proposals", "consultation_id", p.ConsultationID, p.ID, in.Position)
			if err != nil {
				return err
			}
			p.Position = pos
			if pos != from {
				ch = append(ch, fmt.Sprintf("position %d → %d", from, pos))
			}
		}
		if len(ch) == 0 {
			return nil
		}
		return auditTx(tx, now, actorID, models.AuditAdminChange, subject, ch.String())
	})
	return p, err
}

// MoveProposal moves a proposal one place up (by -1) or down (by +1) in its
// consultation; at either end it stays where it is.
func (s *Store) MoveProposal(ctx context.Context, actorID, id int64, by int) error {
	return s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var p models.Proposal
		if err := tx.Where("id = ?", id).Take(&p).Error; err != nil {
			return notFound(err)
		}
		from, err := rankOf(tx, "proposals", "consultation_id", p.ConsultationID, p.ID)
		if err != nil {
			return err
		}
		var count int
		if err := tx.Raw("SELECT COUNT(*) FROM proposals WHERE consultation_id = ?", p.ConsultationID).Scan(&count).Error; err != nil {
			return err
		}
		to := from + by
		if to < 1 || to > count || to == from {
			return nil
		}
		pos, err := reposition(tx, "proposals", "consultation_id", p.ConsultationID, p.ID, to)
		if err != nil {
			return err
		}
		return auditTx(tx, s.Now(), actorID, models.AuditAdminChange, "proposal "+p.Ref,
			fmt.Sprintf("moved from position %d to %d", from, pos))
	})
}

// rankOf is the 1-based place of row id among the rows of table whose scope
// column equals scopeValue, in the order shown (position, then id).
func rankOf(tx *gorm.DB, table, scope string, scopeValue any, id int64) (int, error) {
	var ids []int64
	if err := tx.Table(table).Where(scope+" = ?", scopeValue).Order("position, id").Pluck("id", &ids).Error; err != nil {
		return 0, err
	}
	return slices.Index(ids, id) + 1, nil
}

// reposition puts row id at the 1-based position pos among the rows of table
// whose scope column equals scopeValue, clamped to the ends, and numbers them
// all 1..n without gaps; a position of 0 or past the end puts it last, and id
// 0 only renumbers. It returns where id ended up.
// table and scope come from this package, never from a request.
func reposition(tx *gorm.DB, table, scope string, scopeValue any, id int64, pos int) (int, error) {
	type row struct {
		ID       int64
		Position int
	}
	var rows []row
	if err := tx.Table(table).Select("id, position").Where(scope+" = ? AND id <> ?", scopeValue, id).
		Order("position, id").Scan(&rows).Error; err != nil {
		return 0, err
	}
	if id != 0 {
		if pos < 1 || pos > len(rows) {
			pos = len(rows) + 1
		}
		rows = slices.Insert(rows, pos-1, row{ID: id, Position: -1})
	}
	for i, r := range rows {
		if r.Position == i+1 {
			continue
		}
		if err := tx.Table(table).Where("id = ?", r.ID).Update("position", i+1).Error; err != nil {
			return 0, err
		}
	}
	return pos, nil
}

const concernRowSelect = `SELECT c.*,
	(SELECT COUNT(*) FROM response_concerns rc WHERE rc.concern_id = c.id) AS member_uses,
	(SELECT COUNT(*) FROM response_codings x WHERE x.concern_id = c.id) AS coded_uses
	FROM concerns c`

// ConcernRows lists the codebook by side, in order, with each code's use.
func (s *Store) ConcernRows(ctx context.Context) ([]models.ConcernRow, error) {
	var rows []models.ConcernRow
	err := s.r.WithContext(ctx).Raw(concernRowSelect +
		" ORDER BY CASE c.side WHEN 'central' THEN 1 WHEN 'local' THEN 2 ELSE 3 END, c.position, c.id").Scan(&rows).Error
	return rows, err
}

// ConcernRowByID returns one code with its use.
func (s *Store) ConcernRowByID(ctx context.Context, id int64) (models.ConcernRow, error) {
	var rows []models.ConcernRow
	if err := s.r.WithContext(ctx).Raw(concernRowSelect+" WHERE c.id = ?", id).Scan(&rows).Error; err != nil {
		return models.ConcernRow{}, err
	}
	if len(rows) == 0 {
		return models.ConcernRow{}, models.ErrNotFound
	}
	return rows[0], nil
}

// CreateConcern adds a code to the codebook; a code in use is a DuplicateError.
func (s *Store) CreateConcern(ctx context.Context, actorID int64, in models.ConcernInput) (models.Concern, error) {
	now := s.Now()
	c := models.Concern{Code: in.Code, Label: in.Label, Description: in.Description, Side: in.Side, Position: 1 << 30, CreatedAt: now}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&c).Error; err != nil {
			return duplicate(err, "code")
		}
		pos, err := reposition(tx, "concerns", "side", c.Side, c.ID, in.Position)
		if err != nil {
			return err
		}
		c.Position = pos
		return auditTx(tx, now, actorID, models.AuditAdminChange, "concern "+c.Code,
			fmt.Sprintf("added “%s” to the %s side at position %d", auditClip(c.Label), c.Side, pos))
	})
	return c, err
}

// UpdateConcern changes a code's label, description, side or position; the
// code itself may change only while no response uses it (ConcernInUseError).
func (s *Store) UpdateConcern(ctx context.Context, actorID, id int64, in models.ConcernInput) (models.Concern, error) {
	var c models.Concern
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", id).Take(&c).Error; err != nil {
			return notFound(err)
		}
		if in.Code != c.Code {
			var uses int
			if err := tx.Raw(`SELECT (SELECT COUNT(*) FROM response_concerns WHERE concern_id = ?)
				+ (SELECT COUNT(*) FROM response_codings WHERE concern_id = ?)`, id, id).Scan(&uses).Error; err != nil {
				return err
			}
			if uses > 0 {
				return models.ConcernInUseError{Code: c.Code, Uses: uses}
			}
		}
		var ch changeLog
		ch.value("code", c.Code, in.Code)
		ch.value("label", c.Label, in.Label)
		ch.text("description", c.Description, in.Description)
		ch.value("side", c.Side, in.Side)
		subject := "concern " + c.Code
		oldSide := c.Side
		from, err := rankOf(tx, "concerns", "side", oldSide, c.ID)
		if err != nil {
			return err
		}
		if len(ch) > 0 {
			if err := tx.Model(&models.Concern{}).Where("id = ?", id).Updates(map[string]any{
				"code": in.Code, "label": in.Label, "description": in.Description, "side": in.Side,
			}).Error; err != nil {
				return duplicate(err, "code")
			}
			c.Code, c.Label, c.Description, c.Side = in.Code, in.Label, in.Description, in.Side
		}
		if oldSide != c.Side || (in.Position > 0 && in.Position != from) {
			pos, err := reposition(tx, "concerns", "side", c.Side, c.ID, in.Position)
			if err != nil {
				return err
			}
			if oldSide != c.Side {
				if _, err := reposition(tx, "concerns", "side", oldSide, 0, 0); err != nil {
					return err
				}
			}
			c.Position = pos
			if pos != from || oldSide != c.Side {
				ch = append(ch, fmt.Sprintf("position %d → %d", from, pos))
			}
		}
		if len(ch) == 0 {
			return nil
		}
		return auditTx(tx, s.Now(), actorID, models.AuditAdminChange, subject, ch.String())
	})
	return c, err
}

// OrganisationsIn lists the organisations of a member segment by name.
func (s *Store) OrganisationsIn(ctx context.Context, f models.Filter) ([]models.Organisation, error) {
	cond, args := filterWhere(f)
	var out []models.Organisation
	err := s.r.WithContext(ctx).Raw("SELECT o.* FROM organisations o WHERE "+cond+" ORDER BY o.name, o.id", args...).
		Scan(&out).Error
	return out, err
}

// CreateOrganisation adds a member; a code in use is a DuplicateError.
func (s *Store) CreateOrganisation(ctx context.Context, actorID int64, in models.OrganisationInput) (models.Organisation, error) {
	now := s.Now()
	o := models.Organisation{Code: in.Code, Name: in.Name, Type: in.Type, Region: in.Region, System: in.System,
		SystemStatus: in.SystemStatus, ContactName: in.ContactName, ContactEmail: in.ContactEmail, CreatedAt: now, UpdatedAt: now}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&o).Error; err != nil {
			return duplicate(err, "code")
		}
		if err := countOrganisation(tx, o, +1); err != nil {
			return err
		}
		if err := outstandingForOrganisation(tx, o.ID); err != nil {
			return err
		}
		return auditTx(tx, now, actorID, models.AuditAdminChange, "organisation "+o.Code,
			fmt.Sprintf("added “%s” (%s, %s, %s)", auditClip(o.Name), o.Type, o.Region, o.SystemStatus))
	})
	return o, err
}

// UpdateOrganisation changes a member organisation and records what changed.
func (s *Store) UpdateOrganisation(ctx context.Context, actorID, id int64, in models.OrganisationInput) (models.Organisation, error) {
	var o models.Organisation
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", id).Take(&o).Error; err != nil {
			return notFound(err)
		}
		var ch changeLog
		ch.value("code", o.Code, in.Code)
		ch.value("name", o.Name, in.Name)
		ch.value("type", o.Type, in.Type)
		ch.value("region", o.Region, in.Region)
		ch.value("system", o.System, in.System)
		ch.value("system status", o.SystemStatus, in.SystemStatus)
		ch.value("contact name", o.ContactName, in.ContactName)
		ch.value("contact email", o.ContactEmail, in.ContactEmail)
		if len(ch) == 0 {
			return nil
		}
		subject := "organisation " + o.Code
		now := s.Now()
		old := o
		var responseIDs []int64
		if err := tx.Model(&models.Response{}).Where("organisation_id = ?", id).Pluck("id", &responseIDs).Error; err != nil {
			return err
		}
		// A new type, region or system status moves the organisation's
		// responses to another segment of the tallies.
		if err := retally(tx, responseIDs, func() error {
			return tx.Model(&models.Organisation{}).Where("id = ?", id).Updates(map[string]any{
				"code": in.Code, "name": in.Name, "type": in.Type, "region": in.Region, "system": in.System,
				"system_status": in.SystemStatus, "contact_name": in.ContactName, "contact_email": in.ContactEmail, "updated_at": now,
			}).Error
		}); err != nil {
			return duplicate(err, "code")
		}
		if err := countOrganisation(tx, old, -1); err != nil {
			return err
		}
		if err := countOrganisation(tx, models.Organisation{Type: in.Type, Region: in.Region, SystemStatus: in.SystemStatus}, +1); err != nil {
			return err
		}
		o.Code, o.Name, o.Type, o.Region, o.System = in.Code, in.Name, in.Type, in.Region, in.System
		o.SystemStatus, o.ContactName, o.ContactEmail, o.UpdatedAt = in.SystemStatus, in.ContactName, in.ContactEmail, now
		return auditTx(tx, now, actorID, models.AuditAdminChange, subject, ch.String())
	})
	return o, err
}

// NonResponders reports the organisations of the segment that have not
// submitted every proposal of the consultation. Drafts do not count as
// submitted; they are marked.
func (s *Store) NonResponders(ctx context.Context, consultationID int64, f models.Filter) (models.NonResponseReport, error) {
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
	err := db.Raw(`SELECT o.code, o.name, o.type, o.region, o.system_status, o.contact_name, o.contact_email,
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

// changeLog collects what an admin changed, in words, for the audit detail.
type changeLog []string

// value records a short value's change, old and new.
func (c *changeLog) value(field, from, to string) {
	if from == to {
		return
	}
	*c = append(*c, fmt.Sprintf("%s %s → %s", field, auditQuoted(from), auditQuoted(to)))
}

// text records that a long text changed, without copying it into the log.
func (c *changeLog) text(field, from, to string) {
	if from != to {
		*c = append(*c, field+" changed")
	}
}

// when records a date's change, in UK time.
func (c *changeLog) when(field string, from, to time.Time) {
	if !from.Equal(to) {
		c.value(field, from.In(auditZone).Format("2006-01-02 15:04"), to.In(auditZone).Format("2006-01-02 15:04"))
	}
}

func (c changeLog) String() string { return strings.Join(c, "; ") }

func auditQuoted(s string) string {
	if s == "" {
		return "(empty)"
	}
	return "“" + auditClip(s) + "”"
}

// auditClip shortens a value for the audit log.
func auditClip(s string) string {
	const n = 80
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// auditZone is the zone admins think in; audit details use it.
var auditZone = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return loc
}()
