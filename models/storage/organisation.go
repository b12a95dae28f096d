package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/nhsproviders/consultation-tracker/models/storage/tally"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// Organisations lists member organisations by name.
func (s *Store) Organisations(ctx context.Context) ([]models.Organisation, error) {
	return s.OrganisationsIn(ctx, models.Filter{})
}

// OrganisationsIn lists the organisations of a member segment by name.
func (s *Store) OrganisationsIn(ctx context.Context, f models.Filter) ([]models.Organisation, error) {
	cond, args := filterWhere(f)
	var out []models.Organisation
	err := s.r.WithContext(ctx).Raw("SELECT o.* FROM organisations o WHERE "+cond+" ORDER BY o.name, o.id", args...).
		Scan(&out).Error
	return out, wrapped(err, "list organisations")
}

// OrganisationByID returns one organisation.
func (s *Store) OrganisationByID(ctx context.Context, id int64) (models.Organisation, error) {
	o, err := takeBy[models.Organisation](s.r.WithContext(ctx), "id", id)
	return o, wrapped(err, "read organisation %d", id)
}

// OrganisationByCode returns one organisation by its (case-sensitive) code.
func (s *Store) OrganisationByCode(ctx context.Context, code string) (models.Organisation, error) {
	o, err := takeBy[models.Organisation](s.r.WithContext(ctx), "code", code)
	return o, wrapped(err, "read organisation %s", code)
}

// CreateOrganisation adds a member; a code in use is a DuplicateError.
func (s *Store) CreateOrganisation(ctx context.Context, actorID int64, in models.OrganisationInput) (models.Organisation, error) {
	var o models.Organisation
	err := s.audited(ctx, actorID, func(tx *gorm.DB, now time.Time) (auditEntry, error) {
		o = models.Organisation{CreatedAt: now}
		setOrganisation(&o, in, now)
		if err := tx.Create(&o).Error; err != nil {
			return auditEntry{}, duplicate(err, "code")
		}
		if err := addedOrganisation(tx, &o); err != nil {
			return auditEntry{}, err
		}
		return auditEntry{models.AuditAdminChange, "organisation " + o.Code,
			fmt.Sprintf("added “%s” (%s, %s, %s)", clipRunes(o.Name, auditValueMax), o.Type, o.Region, o.SystemStatus)}, nil
	})
	return o, wrapped(err, "create organisation %s", in.Code)
}

// UpdateOrganisation changes a member organisation and records what changed.
func (s *Store) UpdateOrganisation(ctx context.Context, actorID, id int64, in models.OrganisationInput) (models.Organisation, error) {
	o, err := updateAudited(ctx, s, actorID, id, func(tx *gorm.DB, o *models.Organisation, now time.Time) (auditEntry, error) {
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
			return auditEntry{}, nil
		}
		subject := "organisation " + o.Code
		old := *o
		setOrganisation(o, in, now)
		var responseIDs []int64
		if err := tx.Model(&models.Response{}).Where("organisation_id = ?", id).Pluck("id", &responseIDs).Error; err != nil {
			return auditEntry{}, err
		}
		// A new type, region or system status moves the organisation's
		// responses to another segment of the tallies.
		if err := tally.Retally(tx, responseIDs, func() error {
			return updateByID[models.Organisation](tx, id, map[string]any{
				"code": o.Code, "name": o.Name, "type": o.Type, "region": o.Region, "system": o.System,
				"system_status": o.SystemStatus, "contact_name": o.ContactName, "contact_email": o.ContactEmail, "updated_at": now,
			})
		}); err != nil {
			return auditEntry{}, duplicate(err, "code")
		}
		if err := countOrganisation(tx, old, -1); err != nil {
			return auditEntry{}, err
		}
		if err := countOrganisation(tx, *o, +1); err != nil {
			return auditEntry{}, err
		}
		return auditEntry{models.AuditAdminChange, subject, ch.String()}, nil
	})
	return o, wrapped(err, "update organisation %d", id)
}

// setOrganisation copies an admin's input into o.
func setOrganisation(o *models.Organisation, in models.OrganisationInput, now time.Time) {
	o.Code, o.Name, o.Type, o.Region, o.System = in.Code, in.Name, in.Type, in.Region, in.System
	o.SystemStatus, o.ContactName, o.ContactEmail, o.UpdatedAt = in.SystemStatus, in.ContactName, in.ContactEmail, now
}

// EnsureOrganisation inserts an organisation if its code is new.
func (s *Store) EnsureOrganisation(ctx context.Context, o models.Organisation) (models.Organisation, error) {
	o.ID = 0
	stored, err := ensure(ctx, s, "code", o.Code, o, addedOrganisation)
	return stored, wrapped(err, "ensure organisation %s", o.Code)
}

// addedOrganisation counts a new organisation in the tallies and makes
// every proposal outstanding for it.
func addedOrganisation(tx *gorm.DB, o *models.Organisation) error {
	if err := countOrganisation(tx, *o, +1); err != nil {
		return err
	}
	return tally.OutstandingForOrganisation(tx, o.ID)
}

// countOrganisation adds sign to the member tallies of o's segment.
func countOrganisation(tx *gorm.DB, o models.Organisation, sign int64) error {
	t := tally.New()
	t.AddOrganisation(tally.Segment{Type: o.Type, Region: o.Region, SystemStatus: o.SystemStatus}, sign)
	return t.Apply(tx)
}

// memberCounts reads how many member organisations each type and region
// has (the organisation tallies' roll-ups over system status), for
// describing anonymised quotes (models.AnonymousAttribution).
func memberCounts(db *gorm.DB) (models.MemberCount, error) {
	var rows []struct {
		OrgType, Region string
		N               int
	}
	if err := db.Raw("SELECT org_type, region, n FROM organisation_tallies WHERE system_status = ''").Scan(&rows).Error; err != nil {
		return nil, err
	}
	counts := make(map[[2]string]int, len(rows))
	for _, r := range rows {
		counts[[2]string{r.OrgType, r.Region}] += r.N
	}
	return func(orgType, region string) int { return counts[[2]string{orgType, region}] }, nil
}

// AnonymousAttribution is how an anonymised quote from org reads today,
// and whether that is broader than its type and region because too few
// members share them.
func (s *Store) AnonymousAttribution(ctx context.Context, org models.Organisation) (_ string, broader bool, err error) {
	defer func() { err = wrapped(err, "describe organisation %d anonymously", org.ID) }()
	members, err := memberCounts(s.r.WithContext(ctx))
	if err != nil {
		return "", false, err
	}
	text, broader := models.AnonymousAttribution(org.Type, org.Region, members)
	return text, broader, nil
}
