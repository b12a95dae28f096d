package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/responsecsv"
)

// maxImportBytes is the largest CSV file an import takes: under the app's
// 1 MiB body limit with room for the multipart wrapping, so that any file
// the page promises to take does fit.
const maxImportBytes = 1_000_000

// tooLargeMessage says what to do with a file over maxImportBytes.
var tooLargeMessage = "The file is larger than 1 MB. Split it into smaller files (about 4,000 rows each is safe) and import them one by one; each import is all or nothing."

type importsPage struct {
	Imports       []models.ImportRecord
	Done          *models.ImportRecord
	DoneMessage   string
	Errors        fieldErrors
	Filename      string
	Problems      []models.ImportProblem
	Omitted       int
	Columns       string
	MaxBytes      string
	Consultations []models.Consultation
	Filters       filterOptions
}

// importsPageData gathers what the page shows around the form.
func (h *Handler) importsPageData(c *fiber.Ctx) (importsPage, error) {
	ctx := c.UserContext()
	list, err := h.store.Imports(ctx, 50)
	if err != nil {
		return importsPage{}, err
	}
	cs, err := h.store.Consultations(ctx, true)
	if err != nil {
		return importsPage{}, err
	}
	return importsPage{Imports: list, Columns: strings.Join(responsecsv.Columns, ","), MaxBytes: "1 MB",
		Consultations: cs, Filters: newFilterOptions(models.Filter{})}, nil
}

// imports shows the import form, the export form and past imports; after an
// import, ?done=<id> says what it stored.
func (h *Handler) imports(c *fiber.Ctx) error {
	data, err := h.importsPageData(c)
	if err != nil {
		return err
	}
	if id, err := strconv.ParseInt(c.Query("done"), 10, 64); err == nil && id > 0 {
		rec, err := h.store.ImportByID(c.UserContext(), id)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		if err == nil {
			data.Done = &rec
			data.DoneMessage = importDoneMessage(rec)
		}
	}
	return h.render(c, "imports", page{Title: "Import and export responses", Nav: "imports", Data: data})
}

// postImport imports an uploaded CSV file, all or nothing.
func (h *Handler) postImport(c *fiber.Ctx) error {
	u, _ := currentUser(c)
	// fail shows the page again with the file's problems.
	fail := func(status int, filename, message string, problems models.ImportErrors) error {
		data, err := h.importsPageData(c)
		if err != nil {
			return err
		}
		data.Filename, data.Problems, data.Omitted = filename, problems.Problems, problems.Omitted
		data.Errors.add("file", message)
		c.Status(status)
		return h.render(c, "imports", page{Title: "Import and export responses", Nav: "imports", Data: data})
	}
	fh, err := c.FormFile("file")
	if err != nil || (fh.Filename == "" && fh.Size == 0) { // a browser sends an empty part when no file was chosen
		return fail(fiber.StatusUnprocessableEntity, "", "Choose a CSV file to import", models.ImportErrors{})
	}
	if fh.Size > maxImportBytes {
		return fail(fiber.StatusRequestEntityTooLarge, fh.Filename, tooLargeMessage, models.ImportErrors{})
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	ctx := c.UserContext() // ends when the client leaves (withRequestContext)
	res, err := h.store.ImportResponses(ctx, f, fh.Filename, u.ID)
	var problems models.ImportErrors
	switch {
	case errors.As(err, &problems):
		return fail(fiber.StatusUnprocessableEntity, fh.Filename, importProblemSummary(fh.Filename, problems), problems)
	case err != nil:
		return h.importFailed(c, ctx, err)
	}
	return c.Redirect("/imports?done="+strconv.FormatInt(res.ImportID, 10), fiber.StatusSeeOther)
}

// importFailed answers an import that stopped with err. One stopped because
// its client went away is no failure of ours: it is logged as such, and the
// answer (which nobody reads) says so.
func (h *Handler) importFailed(c *fiber.Ctx, ctx context.Context, err error) error {
	if ctx.Err() != nil && c.UserContext().Err() == nil && errors.Is(err, context.Canceled) {
		h.log.Info("import stopped: the client went away", "request_id", requestID(c))
		return c.Status(fiber.StatusRequestTimeout).SendString("The import was stopped because the connection closed. Nothing was imported.\n")
	}
	return err
}

func importProblemSummary(filename string, p models.ImportErrors) string {
	rows := "1 problem"
	if n := p.Total(); n != 1 {
		rows = thousandsInt(n) + " problems"
	}
	return fmt.Sprintf("%s has %s, listed below. Nothing was imported: correct the file and import it again",
		truncate(filename, 80), rows)
}

func thousandsInt(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// importDoneMessage is the line shown after a successful import.
func importDoneMessage(r models.ImportRecord) string {
	noun := "rows"
	if r.RowCount == 1 {
		noun = "row"
	}
	return fmt.Sprintf("Imported %s %s: %s new, %s replaced.", thousandsInt(r.RowCount), noun,
		thousandsInt(r.CreatedCount), thousandsInt(r.ReplacedCount))
}

// apiImportResult is the 201 answer of POST /api/v1/imports/responses.
type apiImportResult struct {
	ImportID int64 `json:"import_id"`
	Rows     int   `json:"rows"`
	Created  int   `json:"created"`
	Replaced int   `json:"replaced"`
}

// apiImportError is DESIGN's error shape plus the bad rows.
type apiImportError struct {
	Error   string         `json:"error"`
	Rows    []apiImportRow `json:"rows"`
	Omitted int            `json:"omitted,omitempty"`
}

type apiImportRow struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// apiImport takes the CSV as a multipart field "file" or as a text/csv body.
func (h *Handler) apiImport(c *fiber.Ctx) error {
	u, _ := currentUser(c)
	ctype, params, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	var body io.ReadSeeker
	var size int64
	filename := "upload.csv"
	switch ctype {
	case fiber.MIMEMultipartForm:
		fh, err := c.FormFile("file")
		if err != nil {
			return c.Status(fiber.StatusUnprocessableEntity).JSON(apiError{Error: "Send the CSV file in a multipart field named file.",
				Fields: map[string]string{"file": "Choose a CSV file to import"}})
		}
		f, err := fh.Open()
		if err != nil {
			return err
		}
		defer f.Close()
		body, size, filename = f, fh.Size, fh.Filename
	case "text/csv", "application/csv":
		if cs := strings.ToLower(params["charset"]); cs != "" && cs != "utf-8" {
			return c.Status(fiber.StatusUnsupportedMediaType).JSON(apiError{Error: "Send the CSV as UTF-8 (charset=utf-8)."})
		}
		if _, p, err := mime.ParseMediaType(c.Get(fiber.HeaderContentDisposition)); err == nil && p["filename"] != "" {
			filename = p["filename"]
		}
		b := c.Body()
		body, size = bytes.NewReader(b), int64(len(b))
	default:
		return c.Status(fiber.StatusUnsupportedMediaType).JSON(apiError{
			Error: "Send the CSV as the body with Content-Type: text/csv, or as multipart/form-data with a field named file."})
	}
	if size > maxImportBytes {
		return c.Status(fiber.StatusRequestEntityTooLarge).JSON(apiError{Error: tooLargeMessage})
	}
	ctx := c.UserContext() // ends when the client leaves (withRequestContext)
	res, err := h.store.ImportResponses(ctx, body, filename, u.ID)
	var problems models.ImportErrors
	switch {
	case errors.As(err, &problems):
		out := apiImportError{Error: importProblemSummary(filename, problems) + ".", Rows: []apiImportRow{}, Omitted: problems.Omitted}
		for _, p := range problems.Problems {
			out.Rows = append(out.Rows, apiImportRow{Line: p.Line, Message: p.Message})
		}
		return c.Status(fiber.StatusUnprocessableEntity).JSON(out)
	case err != nil:
		return h.importFailed(c, ctx, err)
	}
	return c.Status(fiber.StatusCreated).JSON(apiImportResult{ImportID: res.ImportID, Rows: res.Rows,
		Created: res.Created, Replaced: res.Replaced})
}
