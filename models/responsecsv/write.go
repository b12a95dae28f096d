package responsecsv

import (
	"database/sql"
	"encoding/csv"
	"io"
	"strconv"

	"github.com/nhsproviders/consultation-tracker/models"
)

// Organisation is what an export writes about an organisation, each cell
// already made safe for spreadsheets: only these, because an export holds
// every organisation in memory for as long as it runs.
type Organisation struct {
	code, name, typ, region, system, systemStatus string
}

// NewOrganisation is what an export writes about o.
func NewOrganisation(o models.Organisation) Organisation {
	return Organisation{code: models.NeutraliseCell(o.Code), name: models.NeutraliseCell(o.Name), typ: models.NeutraliseCell(o.Type),
		region: models.NeutraliseCell(o.Region), system: models.NeutraliseCell(o.System), systemStatus: models.NeutraliseCell(o.SystemStatus)}
}

// Response is one row of an export, as the database gives it.
type Response struct {
	Organisation Organisation
	ProposalRef  string
	Stance       string
	Autonomy     sql.NullInt64
	Concerns     string // codes, sorted, ';'-joined
	Comment      string
	Amendments   string
	Consent      string
	QuoteScope   string
	Status       string
	SubmittedAt  string // 2026-11-22T10:00:00Z, or ""
}

// Writer writes an export's rows as CSV, every cell a spreadsheet could run
// as a formula neutralised (models.NeutraliseCell), which an import undoes.
type Writer struct {
	cw     *csv.Writer
	record []string
}

// NewWriter writes rows to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{cw: csv.NewWriter(w), record: make([]string, len(ExportColumns))}
}

// WriteHeader writes the header row, ExportColumns.
func (w *Writer) WriteHeader() error { return w.cw.Write(ExportColumns) }

// Write writes one response.
func (w *Writer) Write(r Response) error {
	auto := ""
	if r.Autonomy.Valid {
		auto = strconv.FormatInt(r.Autonomy.Int64, 10) // a number, never neutralised: -2 and -1 stay numbers
	}
	o, rec := r.Organisation, w.record
	rec[0], rec[1], rec[2], rec[3], rec[4] = o.code, models.NeutraliseCell(r.ProposalRef), models.NeutraliseCell(r.Stance), auto, models.NeutraliseCell(r.Concerns)
	rec[5], rec[6], rec[7] = models.NeutraliseCell(r.Comment), models.NeutraliseCell(r.Amendments), models.NeutraliseCell(r.Consent)
	rec[8], rec[9] = models.NeutraliseCell(r.Status), models.NeutraliseCell(r.SubmittedAt)
	rec[10], rec[11], rec[12], rec[13], rec[14] = o.name, o.typ, o.region, o.system, o.systemStatus
	rec[15] = models.NeutraliseCell(r.QuoteScope)
	return w.cw.Write(rec)
}

// Flush writes what is buffered and says whether any write failed.
func (w *Writer) Flush() error {
	w.cw.Flush()
	return w.cw.Error()
}
