package handlers_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/nhsproviders/consultation-tracker/models"
)

// Tests of the data in and out area: CSV imports (page and API), CSV
// exports, and the OpenAPI document.

const dioHeader = "organisation_code,proposal_ref,stance,autonomy,concerns,comment,amendments,consent\n"

// postFile uploads content as the multipart field "file", with the form's
// CSRF field, as the import page's form does.
func (c *client) postFile(path, filename, content string) result {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("_csrf", c.csrf)
	part, _ := w.CreateFormFile("file", filename)
	_, _ = part.Write([]byte(content))
	_ = w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

// postBody sends a raw body with the CSRF header, as a script would.
func (c *client) postBody(path, contentType, content string) result {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(content))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-CSRF-Token", c.csrf)
	return c.do(req)
}

// postAPIFile uploads a multipart file with the CSRF header.
func (c *client) postAPIFile(path, filename, content string) result {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile("file", filename)
	_, _ = part.Write([]byte(content))
	_ = w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("X-CSRF-Token", c.csrf)
	return c.do(req)
}

func dioWant(t *testing.T, r result, status int, texts ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d\n%s", r.Status, status, dioSnippet(r.Body))
	}
	for _, s := range texts {
		if !strings.Contains(r.Body, s) {
			t.Errorf("the answer does not say %q\n%s", s, dioSnippet(r.Body))
		}
	}
}

func dioSnippet(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

// dioCounts counts what an import writes.
func (e *env) dioCounts() string {
	e.t.Helper()
	ctx := context.Background()
	var parts []string
	for _, table := range []string{"responses", "response_concerns", "response_revisions"} {
		n, err := e.store.CountRows(ctx, table)
		if err != nil {
			e.t.Fatal(err)
		}
		parts = append(parts, fmt.Sprintf("%s=%d", table, n))
	}
	imports, err := e.store.Imports(ctx, 500)
	if err != nil {
		e.t.Fatal(err)
	}
	return strings.Join(append(parts, fmt.Sprintf("imports=%d", len(imports))), " ")
}

// dioOrgs adds two more organisations so that every filter splits the set.
func (e *env) dioOrgs() {
	e.addOrg("CCC", "Gamma Community NHS Trust", "community", "London", "stp")
	e.addOrg("DDD", "Delta Acute NHS Trust", "acute", "Midlands", "ics")
}

// dioData is a file covering every organisation on several proposals.
const dioData = dioHeader +
	"AAA,LP-01,oppose,-2,new_central_powers;timescale,Our board opposes this.,Drop it.,attributed\n" +
	"BBB,LP-01,support,1,,,,anonymised\n" +
	"CCC,LP-01,strongly_oppose,-1,powers_without_accountability,\"Too much, too fast.\",,anonymised\n" +
	"DDD,LP-01,neutral,0,workforce,,,private\n" +
	"AAA,LP-02,support,2,,We welcome it.,,attributed\n" +
	"CCC,LP-02,support,1,timescale,,,private\n" +
	"DDD,LP-05,strongly_support,2,,,,attributed\n" +
	"BBB,GC-01,oppose,-2,new_central_powers,,,anonymised\n"

func parseCSV(t *testing.T, body string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("the export is not valid CSV: %v\n%s", err, body)
	}
	return rows
}

func TestImportPageShowsTheFormAndPastImports(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	r := admin.get("/imports")
	dioWant(t, r, http.StatusOK,
		`<label for="field-file">CSV file of responses</label>`,
		`<input type="file" id="field-file" name="file" accept=".csv,text/csv" aria-describedby="file-hint"`,
		`enctype="multipart/form-data"`,
		"<code>organisation_code,proposal_ref,stance,autonomy,concerns,comment,amendments,consent</code>",
		"Nothing has been imported yet.",
		`action="/exports/responses.csv"`)
	wantNoInlineStyle(t, r.Body)

	r = admin.postFile("/imports", "emailed.csv", dioHeader+"AAA,LP-01,support,1,,,,private\n")
	dioWant(t, r, http.StatusSeeOther)
	if !regexp.MustCompile(`^/imports\?done=\d+$`).MatchString(r.Location) {
		t.Fatalf("redirect to %q", r.Location)
	}
	r = admin.get(r.Location)
	dioWant(t, r, http.StatusOK, "Imported 1 row: 1 new, 0 replaced.", "<code>emailed.csv</code>", "Ada Admin")
}

func wantNoInlineStyle(t *testing.T, body string) {
	t.Helper()
	if strings.Contains(body, " style=") || strings.Contains(body, "<script") {
		t.Error("the page has inline style or script, which the CSP forbids")
	}
}

func TestImportPageReplacesAndSaysHowMany(t *testing.T) {
	e, _ := newEnv(t)
	policy := e.signIn("policy@body.example")
	dioWant(t, policy.postFile("/imports", "first.csv", dioHeader+"AAA,LP-01,support,1,,,,private\n"), http.StatusSeeOther)
	r := policy.postFile("/imports", "second.csv", dioHeader+"AAA,LP-01,oppose,-1,,,,private\nBBB,LP-01,neutral,0,,,,private\n")
	dioWant(t, r, http.StatusSeeOther)
	dioWant(t, policy.get(r.Location), http.StatusOK, "Imported 2 rows: 1 new, 1 replaced.", "second.csv", "first.csv")
}

func TestImportPageListsEveryBadRowAndChangesNothing(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	before := e.dioCounts()
	file := dioHeader +
		"AAA,LP-01,support,1,,,,private\n" +
		"ZZZ,LP-01,support,1,,,,private\n" +
		"BBB,LP-01,support,9,,,,private\n" +
		"AAA,LP-02,support,1,not_a_code,,,private\n"
	r := admin.postFile("/imports", "bad.csv", file)
	dioWant(t, r, http.StatusUnprocessableEntity,
		"There is a problem",
		`<a href="#field-file">bad.csv has 3 problems, listed below. Nothing was imported: correct the file and import it again</a>`,
		`<th scope="row" class="num">3</th><td>No member organisation has the code &#34;ZZZ&#34;`,
		`<th scope="row" class="num">4</th><td>autonomy &#34;9&#34; is not allowed.`,
		`<th scope="row" class="num">5</th><td>The concern code &#34;not_a_code&#34; is not in the codebook.`,
		`aria-describedby="file-hint file-error"`)
	if after := e.dioCounts(); after != before {
		t.Errorf("a refused import changed the database: %s, then %s", before, after)
	}
}

func TestImportPageAsksForAFile(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	admin.get("/imports")
	dioWant(t, admin.postFile("/imports", "", ""), http.StatusUnprocessableEntity, "Choose a CSV file to import")
	dioWant(t, admin.postForm("/imports", url.Values{}), http.StatusUnprocessableEntity, "Choose a CSV file to import")
}

func TestImportOfAFileTooLargeIsRefusedWith413(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	row := "AAA,LP-01,support,1,,\"" + strings.Repeat("x", 990) + "\",,private\n"
	big := dioHeader + strings.Repeat(row, 1_000_000/len(row)+1) // just over 1 MB, under the 1 MiB body limit
	dioWant(t, admin.postFile("/imports", "big.csv", big), http.StatusRequestEntityTooLarge,
		"The file is larger than 1 MB. Split it into smaller files")
	dioWant(t, admin.postBody("/api/v1/imports/responses", "text/csv", big), http.StatusRequestEntityTooLarge,
		"The file is larger than 1 MB")
	// Over the app's 1 MiB body limit the server refuses the request before
	// any handler runs; app.Test reports that as an error, so use a socket.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = e.app.Listener(ln) }()
	t.Cleanup(func() { _ = e.app.Shutdown() })
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The server answers on seeing the length, before the body is sent.
	fmt.Fprintf(conn, "POST /imports HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/csv\r\nContent-Length: %d\r\n\r\n", 2<<20)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a 2 MiB upload answered %d, want 413", resp.StatusCode)
	}
	// A file just under 1 MB imports: the limit leaves room for the form around it.
	e.dioOrgs()
	var fits strings.Builder
	fits.WriteString(dioHeader)
	long := strings.Repeat("y", models.MaxCommentChars)
	rows := 0
	for _, org := range []string{"AAA", "BBB", "CCC", "DDD"} {
		for i := 1; i <= 29 && fits.Len() < 1_000_000-10_100; i++ {
			ref := fmt.Sprintf("LP-%02d", i)
			if i > 21 {
				ref = fmt.Sprintf("GC-%02d", i-21)
			}
			fmt.Fprintf(&fits, "%s,%s,support,1,,%s,%s,private\n", org, ref, long, long)
			rows++
		}
	}
	r := admin.postFile("/imports", "fits.csv", fits.String())
	dioWant(t, r, http.StatusSeeOther)
	if fits.Len() < 990_000 || fits.Len() > 1_000_000 {
		t.Fatalf("the file is %d bytes; the test wants one just under 1 MB", fits.Len())
	}
	dioWant(t, admin.get(r.Location), http.StatusOK, fmt.Sprintf("Imported %d rows: %d new, 0 replaced.", rows, rows))
}

func TestImportAPI(t *testing.T) {
	e, _ := newEnv(t)
	policy := e.signIn("policy@body.example")

	r := policy.postBody("/api/v1/imports/responses", "text/csv; charset=utf-8", dioHeader+"AAA,LP-01,support,1,timescale,,,private\n")
	dioWant(t, r, http.StatusCreated)
	var ok struct {
		ImportID int64 `json:"import_id"`
		Rows     int   `json:"rows"`
		Created  int   `json:"created"`
		Replaced int   `json:"replaced"`
	}
	if err := json.Unmarshal([]byte(r.Body), &ok); err != nil || ok.ImportID == 0 || ok.Rows != 1 || ok.Created != 1 || ok.Replaced != 0 {
		t.Errorf("201 body %s (%v)", r.Body, err)
	}

	r = policy.postAPIFile("/api/v1/imports/responses", "again.csv", dioHeader+"AAA,LP-01,oppose,-2,,,,private\nBBB,LP-01,support,2,,,,private\n")
	dioWant(t, r, http.StatusCreated, `"rows":2`, `"created":1`, `"replaced":1`)

	before := e.dioCounts()
	r = policy.postBody("/api/v1/imports/responses", "text/csv", dioHeader+"AAA,LP-02,support,1,,,,private\nAAA,LP-99,maybe,1,,,,private\n")
	dioWant(t, r, http.StatusUnprocessableEntity)
	var bad struct {
		Error string `json:"error"`
		Rows  []struct {
			Line    int    `json:"line"`
			Message string `json:"message"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(r.Body), &bad); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bad.Error, "2 problems") || len(bad.Rows) != 2 || bad.Rows[0].Line != 3 || bad.Rows[1].Line != 3 ||
		!strings.Contains(bad.Rows[0].Message, `"LP-99"`) || !strings.Contains(bad.Rows[1].Message, `stance "maybe"`) {
		t.Errorf("422 body %s", r.Body)
	}
	if after := e.dioCounts(); after != before {
		t.Errorf("a refused API import changed the database: %s, then %s", before, after)
	}

	dioWant(t, policy.postBody("/api/v1/imports/responses", "application/json", `{"rows":[]}`), http.StatusUnsupportedMediaType, `"error":"Send the CSV`)
	dioWant(t, policy.postBody("/api/v1/imports/responses", "text/csv; charset=windows-1252", dioHeader), http.StatusUnsupportedMediaType, "UTF-8")

	noToken := httptest.NewRequest(http.MethodPost, "/api/v1/imports/responses", strings.NewReader(dioHeader+"AAA,LP-03,support,1,,,,private\n"))
	noToken.Header.Set("Content-Type", "text/csv")
	dioWant(t, policy.do(noToken), http.StatusForbidden, `"error"`)
}

func TestDataRoutesAreForThePolicyTeamAndAdmins(t *testing.T) {
	e, _ := newEnv(t)
	routes := []struct {
		method, path string
		api          bool
	}{
		{"GET", "/imports", false},
		{"POST", "/imports", false},
		{"GET", "/exports/responses.csv", false},
		{"GET", "/exports/responses.csv?status=all", false},
		{"GET", "/proposals/LP-01/summary.csv", false},
		{"POST", "/api/v1/imports/responses", true},
	}
	member := e.signIn("a@alpha.example")
	anon := e.anon()
	anon.get("/login")
	for _, rt := range routes {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			send := func(c *client) result {
				if rt.method == "GET" {
					return c.get(rt.path)
				}
				if rt.api {
					return c.postBody(rt.path, "text/csv", dioHeader+"AAA,LP-01,support,1,,,,private\n")
				}
				return c.postFile(rt.path, "x.csv", dioHeader+"AAA,LP-01,support,1,,,,private\n")
			}
			if r := send(member); r.Status != http.StatusForbidden {
				t.Errorf("member: %d, want 403", r.Status)
			}
			r := send(anon)
			switch {
			case rt.api && r.Status != http.StatusUnauthorized:
				t.Errorf("anonymous: %d, want 401", r.Status)
			case !rt.api && rt.method == "GET" && (r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login")):
				t.Errorf("anonymous: %d to %q, want 303 to the sign-in page", r.Status, r.Location)
			case !rt.api && rt.method == "POST" && r.Status != http.StatusSeeOther && r.Status != http.StatusForbidden:
				t.Errorf("anonymous: %d, want to be sent to sign in or refused", r.Status)
			}
		})
	}
	if n, _ := e.store.CountRows(context.Background(), "responses"); n != 0 {
		t.Errorf("%d responses stored by refused requests", n)
	}
	// The OpenAPI document is public.
	dioWant(t, anon.get("/api/v1/openapi.json"), http.StatusOK, `"openapi": "3.0.3"`)
}

func TestExportHasTheContractsColumnsInOrder(t *testing.T) {
	e, _ := newEnv(t)
	e.dioOrgs()
	admin := e.signIn("admin@body.example")
	dioWant(t, admin.postFile("/imports", "data.csv", dioData), http.StatusSeeOther)
	r := admin.get("/exports/responses.csv")
	dioWant(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="responses-all-2026-11-22.csv"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	rows := parseCSV(t, r.Body)
	wantHeader := "organisation_code,proposal_ref,stance,autonomy,concerns,comment,amendments,consent," +
		"status,submitted_at,organisation_name,organisation_type,region,system,system_status,quote_scope"
	if got := strings.Join(rows[0], ","); got != wantHeader {
		t.Fatalf("header\n%s\nwant\n%s", got, wantHeader)
	}
	var keys []string
	for _, row := range rows[1:] {
		keys = append(keys, row[1]+" "+row[0])
	}
	want := []string{"LP-01 AAA", "LP-01 BBB", "LP-01 CCC", "LP-01 DDD", "LP-02 AAA", "LP-02 CCC", "LP-05 DDD", "GC-01 BBB"}
	if strings.Join(keys, ", ") != strings.Join(want, ", ") {
		t.Errorf("rows in order %v, want %v", keys, want)
	}
	if got, want := strings.Join(rows[1], "|"), "AAA|LP-01|oppose|-2|new_central_powers;timescale|Our board opposes this.|Drop it.|attributed|"+
		"submitted|2026-11-22T10:00:00Z|Alpha Hospitals NHS Trust|acute|London|London system|ics|comment_and_amendments"; got != want {
		t.Errorf("first row\n%s\nwant\n%s", got, want)
	}
	audit, _ := e.store.AuditLog(context.Background(), models.AuditFilter{Action: models.AuditExport})
	if len(audit) != 1 || audit[0].Subject != "responses.csv" || audit[0].Detail != "consultation=all status=submitted" {
		t.Errorf("audit %+v", audit)
	}
}

// summaryCounts reads the summary JSON's number of responses.
func summaryCounts(t *testing.T, c *client, ref, query string) int {
	t.Helper()
	r := c.get("/api/v1/proposals/" + ref + "/summary" + query)
	if r.Status != http.StatusOK {
		t.Fatalf("summary %s%s: %d", ref, query, r.Status)
	}
	var s struct{ Responses int }
	if err := json.Unmarshal([]byte(r.Body), &s); err != nil {
		t.Fatal(err)
	}
	return s.Responses
}

func TestFilteredExportHoldsWhatTheFilteredSummaryCounts(t *testing.T) {
	e, _ := newEnv(t)
	e.dioOrgs()
	policy := e.signIn("policy@body.example")
	dioWant(t, policy.postFile("/imports", "data.csv", dioData), http.StatusSeeOther)
	// A member's draft is exported only with status=all and never counted.
	member := e.signIn("b@beta.example")
	draft := validAnswer()
	draft.Set("action", "draft")
	if r := member.postForm("/proposals/LP-02/response", draft); r.Status != http.StatusSeeOther {
		t.Fatalf("saving a draft: %d", r.Status)
	}
	lp := e.lpID()
	for _, q := range []string{"", "type=acute", "region=London", "system_status=stp", "type=acute&region=Midlands&system_status=ics", "type=ambulance"} {
		t.Run(q, func(t *testing.T) {
			r := policy.get("/exports/responses.csv?consultation=" + strconv.FormatInt(lp, 10) + "&" + q)
			dioWant(t, r, http.StatusOK)
			perProposal := map[string]int{}
			for _, row := range parseCSV(t, r.Body)[1:] {
				if row[8] != "submitted" {
					t.Errorf("a %s response in the default export", row[8])
				}
				perProposal[row[1]]++
			}
			for _, ref := range []string{"LP-01", "LP-02", "LP-05", "LP-06"} {
				if got, want := perProposal[ref], summaryCounts(t, policy, ref, "?"+q); got != want {
					t.Errorf("%s: %d rows exported, the summary counts %d", ref, got, want)
				}
			}
			if perProposal["GC-01"] != 0 {
				t.Error("a response to another consultation was exported")
			}
		})
	}
	r := policy.get("/exports/responses.csv?status=all&type=mental_health")
	dioWant(t, r, http.StatusOK)
	var statuses []string
	for _, row := range parseCSV(t, r.Body)[1:] {
		statuses = append(statuses, row[1]+" "+row[8])
	}
	if want := "LP-01 submitted, LP-02 draft, GC-01 submitted"; strings.Join(statuses, ", ") != want {
		t.Errorf("status=all exported %v, want %s", statuses, want)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="responses-all-with-drafts-type-mental_health-2026-11-22.csv"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	for _, bad := range []string{"?type=hospital", "?status=drafts", "?consultation=abc", "?consultation=0"} {
		dioWant(t, policy.get("/exports/responses.csv"+bad), http.StatusBadRequest)
	}
	dioWant(t, policy.get("/exports/responses.csv?consultation=999"), http.StatusNotFound)
}

func (e *env) lpID() int64 {
	e.t.Helper()
	c, err := e.store.ConsultationBySlug(context.Background(), "lp-2019")
	if err != nil {
		e.t.Fatal(err)
	}
	return c.ID
}

func TestExportNeutralisesSpreadsheetFormulas(t *testing.T) {
	e, _ := newEnv(t)
	e.dioOrgs()
	admin := e.signIn("admin@body.example")
	// Written as an export writes them, so that the stored comments start with the formula characters.
	comments := map[string]string{"AAA": "=cmd|' /C calc'!A0", "BBB": "+1", "CCC": "@SUM(1)", "DDD": "-2+3"}
	var file strings.Builder
	file.WriteString(dioHeader)
	for _, org := range []string{"AAA", "BBB", "CCC", "DDD"} {
		fmt.Fprintf(&file, "%s,LP-01,oppose,-2,,\"'%s\",\"'%s\",private\n", org, strings.ReplaceAll(comments[org], `"`, `""`), comments[org])
	}
	dioWant(t, admin.postFile("/imports", "formulas.csv", file.String()), http.StatusSeeOther)
	org, _ := e.store.OrganisationByCode(context.Background(), "AAA")
	p, _, _ := e.store.ProposalByRef(context.Background(), "LP-01")
	if r, _ := e.store.ResponseFor(context.Background(), org.ID, p.ID); r.Comment != comments["AAA"] {
		t.Fatalf("stored comment %q", r.Comment)
	}
	rows := parseCSV(t, admin.get("/exports/responses.csv").Body)
	for _, row := range rows[1:] {
		want := "'" + comments[row[0]]
		if row[5] != want || row[6] != want {
			t.Errorf("%s: comment %q, amendments %q, want %q", row[0], row[5], row[6], want)
		}
		if row[3] != "-2" {
			t.Errorf("%s: autonomy %q, want the number -2 left as it is", row[0], row[3])
		}
	}
}

func TestSummaryCSVHasTheSummarysFigures(t *testing.T) {
	e, _ := newEnv(t)
	e.dioOrgs()
	policy := e.signIn("policy@body.example")
	dioWant(t, policy.postFile("/imports", "data.csv", dioData), http.StatusSeeOther)
	r := policy.get("/proposals/LP-01/summary.csv?region=London")
	dioWant(t, r, http.StatusOK)
	if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="lp-01-summary-region-london-2026-11-22.csv"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	got := map[string][2]string{}
	rows := parseCSV(t, r.Body)
	if strings.Join(rows[0], ",") != "section,key,count,share" {
		t.Fatalf("header %v", rows[0])
	}
	for _, row := range rows[1:] {
		got[row[0]+" "+row[1]] = [2]string{row[2], row[3]}
	}
	// London: AAA (oppose, -2, new_central_powers;timescale) and CCC (strongly_oppose, -1, powers_without_accountability).
	for key, want := range map[string][2]string{
		"summary members":                       {"2", ""},
		"summary responses":                     {"2", "1"},
		"summary response_rate":                 {"", "1"},
		"summary net_support":                   {"-2", ""},
		"stance oppose":                         {"1", "0.5"},
		"stance strongly_oppose":                {"1", "0.5"},
		"stance support":                        {"0", "0"},
		"autonomy mean":                         {"-1.50", ""},
		"autonomy -2":                           {"1", "0.5"},
		"autonomy -1":                           {"1", "0.5"},
		"autonomy 2":                            {"0", "0"},
		"concern new_central_powers":            {"1", "0.5"},
		"concern powers_without_accountability": {"1", "0.5"},
		"concern workforce":                     {"0", "0"},
		"by_type acute:members":                 {"1", ""},
		"by_type acute:responses":               {"1", "1"},
		"by_type acute:oppose":                  {"1", "1"},
		"by_type community:strongly_oppose":     {"1", "1"},
		"by_region London:responses":            {"2", "1"},
		"by_region Midlands:members":            {"0", ""},
		"by_system_status stp:strongly_oppose":  {"1", "1"},
	} {
		if got[key] != want {
			t.Errorf("%s: %v, want %v", key, got[key], want)
		}
	}
	// The same figures as the JSON.
	var js struct {
		Responses int            `json:"responses"`
		Stance    map[string]int `json:"stance"`
		Concerns  map[string]int `json:"concerns"`
	}
	_ = json.Unmarshal([]byte(policy.get("/api/v1/proposals/LP-01/summary?region=London").Body), &js)
	for code, n := range js.Stance {
		if got["stance "+code][0] != strconv.Itoa(n) {
			t.Errorf("stance %s: CSV %s, JSON %d", code, got["stance "+code][0], n)
		}
	}
	for code, n := range js.Concerns {
		if got["concern "+code][0] != strconv.Itoa(n) {
			t.Errorf("concern %s: CSV %s, JSON %d", code, got["concern "+code][0], n)
		}
	}
	dioWant(t, policy.get("/proposals/LP-99/summary.csv"), http.StatusNotFound)
	dioWant(t, policy.get("/proposals/LP-01/summary.csv?region=Atlantis"), http.StatusBadRequest)
	audit, _ := e.store.AuditLog(context.Background(), models.AuditFilter{Action: models.AuditExport})
	if len(audit) != 1 || audit[0].Subject != "summary.csv" || audit[0].Detail != `LP-01 region="London"` {
		t.Errorf("audit %+v", audit)
	}
}

func TestExportThenImportIntoAFreshInstallGivesTheSameSummaries(t *testing.T) {
	a, _ := newEnv(t)
	a.dioOrgs()
	policy := a.signIn("policy@body.example")
	dioWant(t, policy.postFile("/imports", "data.csv", dioData), http.StatusSeeOther)
	// A member's own submission too, with text a spreadsheet would run.
	member := a.signIn("b@beta.example")
	answer := validAnswer()
	answer.Set("comment", "=HYPERLINK(\"http://x\")\nsecond line, with a comma")
	answer.Set("amendments", "-1 for this")
	if r := member.postForm("/proposals/LP-06/response", answer); r.Status != http.StatusSeeOther {
		t.Fatalf("member save: %d", r.Status)
	}
	export := policy.get("/exports/responses.csv")
	dioWant(t, export, http.StatusOK)

	b, _ := newEnv(t)
	b.dioOrgs()
	admin := b.signIn("admin@body.example")
	dioWant(t, admin.postBody("/api/v1/imports/responses", "text/csv", export.Body), http.StatusCreated, `"created":9`)

	for _, ref := range []string{"LP-01", "LP-02", "LP-05", "LP-06", "GC-01"} {
		for _, q := range []string{"", "?type=acute", "?region=London"} {
			want := normalisedSummary(t, policy.get("/api/v1/proposals/"+ref+"/summary"+q).Body)
			got := normalisedSummary(t, admin.get("/api/v1/proposals/"+ref+"/summary"+q).Body)
			if got != want {
				t.Errorf("%s%s after the round trip:\n%s\nwant\n%s", ref, q, got, want)
			}
		}
	}
	again := admin.get("/exports/responses.csv")
	if stripSubmittedAt(again.Body) != stripSubmittedAt(export.Body) {
		t.Errorf("exporting the imported data differs:\n%s\nwant\n%s", again.Body, export.Body)
	}
}

// normalisedSummary sorts the quotes, whose order follows submission times.
func normalisedSummary(t *testing.T, body string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if qs, ok := m["quotes"].([]any); ok {
		sort.Slice(qs, func(i, j int) bool { return fmt.Sprint(qs[i]) < fmt.Sprint(qs[j]) })
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func stripSubmittedAt(body string) string {
	return regexp.MustCompile(`,\d{4}-\d\d-\d\dT[^,]*Z,`).ReplaceAllString(body, ",,")
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	e, _ := newEnv(t)
	r := e.anon().get("/api/v1/openapi.json")
	dioWant(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData([]byte(r.Body))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	for _, name := range []string{"Error", "Summary", "ImportError", "ResponseInput"} {
		if doc.Components.Schemas[name] == nil {
			t.Errorf("no %s schema", name)
		}
	}
	sec := doc.Components.SecuritySchemes
	if sec["sessionCookie"] == nil || sec["sessionCookie"].Value.In != "cookie" ||
		sec["csrfToken"] == nil || sec["csrfToken"].Value.Name != "X-CSRF-Token" {
		t.Errorf("security schemes %v", sec)
	}
}

var fiberParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// TestOpenAPIDocumentsEveryAPIRoute fails when a route under /api/v1 is served
// but not documented in handlers/openapi.json, or documented but not served.
func TestOpenAPIDocumentsEveryAPIRoute(t *testing.T) {
	e, _ := newEnv(t)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData([]byte(e.anon().get("/api/v1/openapi.json").Body))
	if err != nil {
		t.Fatal(err)
	}
	base := "/api/v1"
	if len(doc.Servers) != 1 || doc.Servers[0].URL != base {
		t.Fatalf("the document's server must be %s", base)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+base+path] = true
		}
	}
	served := map[string]bool{}
	for _, rt := range e.app.GetRoutes(true) {
		if !strings.HasPrefix(rt.Path, base+"/") || rt.Method == http.MethodHead {
			continue
		}
		served[rt.Method+" "+fiberParam.ReplaceAllString(rt.Path, "{$1}")] = true
	}
	if len(served) == 0 {
		t.Fatal("no /api/v1 routes found")
	}
	for _, route := range slices.Sorted(maps.Keys(served)) {
		if !documented[route] {
			t.Errorf("%s is served but not in handlers/openapi.json: document it there", route)
		}
	}
	for _, route := range slices.Sorted(maps.Keys(documented)) {
		if !served[route] {
			t.Errorf("%s is in handlers/openapi.json but not served", route)
		}
	}
}
