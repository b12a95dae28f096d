package handlers_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
)

// postBodyForm posts the body's identity form as the page does, with a
// logo file when logo is not nil.
func (c *client) postBodyForm(fields map[string]string, filename string, logo []byte) result {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("_csrf", c.csrf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if logo != nil {
		part, _ := w.CreateFormFile("logo", filename)
		_, _ = part.Write(logo)
	}
	_ = w.Close()
	req := httptest.NewRequest(http.MethodPost, "/admin/body", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

// testImage is a w × h image encoded as format ("png" or "jpeg").
func testImage(t *testing.T, format string, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, h/2, color.RGBA{0, 94, 184, 255})
	}
	var buf bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func validBody() map[string]string {
	return map[string]string{"name": "Association of Trusts", "short_name": "AoT", "email": "policy@aot.example",
		"phone": "020 7946 0000", "postal": "1 Example Street, London SW1A 0AA"}
}

func TestAnAdminSetsTheBodysIdentityAndLogo(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	page := admin.get("/admin/body")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `value="`+models.DefaultBody.Name+`"`) {
		t.Fatalf("the form does not start from the default body: %d\n%s", page.Status, snippet(page.Body))
	}
	logo := testImage(t, "png", 300, 100)
	r := admin.postBodyForm(validBody(), "logo.png", logo)
	saved := admin.follow(r)
	if !strings.Contains(saved.Body, "The body's details were saved.") {
		t.Errorf("no confirmation after saving\n%s", snippet(saved.Body))
	}
	wantInput(t, saved.Body, "name", "Association of Trusts")
	wantInput(t, saved.Body, "postal", "1 Example Street, London SW1A 0AA")
	if !strings.Contains(saved.Body, `<img src="/body/logo?v=`) {
		t.Errorf("the saved logo is not shown\n%s", snippet(saved.Body))
	}
	b, err := e.store.Body(t.Context())
	if err != nil || b.ShortName != "AoT" || b.LogoType != "image/png" {
		t.Fatalf("stored body = %+v, %v", b, err)
	}

	served := e.signIn("policy@body.example").get("/body/logo")
	if served.Status != http.StatusOK || served.Header.Get("Content-Type") != "image/png" || served.Body != string(logo) {
		t.Errorf("logo served as %d %q, %d bytes", served.Status, served.Header.Get("Content-Type"), len(served.Body))
	}
	if cc := served.Header.Get("Cache-Control"); !strings.Contains(cc, "private") || !strings.Contains(cc, "max-age") {
		t.Errorf("Cache-Control = %q", cc)
	}

	removed := validBody()
	removed["remove_logo"] = "yes"
	admin.follow(admin.postBodyForm(removed, "", nil))
	if got := admin.get("/body/logo"); got.Status != http.StatusNotFound {
		t.Errorf("after removal the logo answers %d, want 404", got.Status)
	}
	audit := admin.get("/admin/audit")
	if !strings.Contains(audit.Body, "logo removed") || !strings.Contains(audit.Body, "new logo") {
		t.Errorf("the audit log does not record the logo changes\n%s", snippet(audit.Body))
	}
}

func TestARejectedBodyFormComesBackWithEverythingTyped(t *testing.T) {
	fakePNG := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte("not really an image "), 20)...)
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>`)
	huge := append(testImage(t, "png", 10, 10), make([]byte, models.MaxLogoBytes)...)
	tests := []struct {
		name     string
		change   map[string]string
		filename string
		logo     []byte
		field    string
		message  string
	}{
		{"no name", map[string]string{"name": " "}, "", nil, "name", "Enter the body's name"},
		{"a bad email", map[string]string{"email": "policy at aot"}, "", nil, "email", "Enter an email address like policy@example.org"},
		{"a phone with letters", map[string]string{"phone": "call us"}, "", nil, "phone", "Enter a telephone number like 020 7946 0000"},
		{"a phone too short", map[string]string{"phone": "123"}, "", nil, "phone", "Enter a telephone number like 020 7946 0000"},
		{"no way to reach the team", map[string]string{"email": "", "phone": ""}, "", nil, "email",
			"Give an email address or a telephone number, so that readers can reach the policy team"},
		{"a fake PNG", nil, "logo.png", fakePNG, "logo",
			"The file looks like an image but could not be read as one; export it again as PNG or JPEG. Choose the file again: a browser does not keep it after an error."},
		{"an SVG named .png", nil, "logo.png", svg, "logo",
			"The logo must be a PNG or JPEG image; other files, SVG included, are not taken. Choose the file again: a browser does not keep it after an error."},
		{"a logo too large in bytes", nil, "logo.png", huge, "logo", "The logo is larger than 512 KB; save it smaller and upload it again"},
		{"a logo too large in pixels", nil, "logo.jpg", testImage(t, "jpeg", 2001, 10), "logo",
			"The logo is 2001 × 10 pixels; keep it to 2000 × 2000 or smaller. Choose the file again: a browser does not keep it after an error."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newEnv(t)
			admin := e.signIn("admin@body.example")
			admin.get("/admin/body")
			fields := validBody()
			for k, v := range tt.change {
				fields[k] = v
			}
			r := admin.postBodyForm(fields, tt.filename, tt.logo)
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status = %d, want 422\n%s", r.Status, snippet(r.Body))
			}
			wantFieldError(t, r.Body, tt.field, tt.message)
			for _, name := range []string{"name", "short_name", "email", "phone", "postal"} {
				wantInput(t, r.Body, name, strings.TrimSpace(fields[name]))
			}
			if b, _ := e.store.Body(t.Context()); b != models.DefaultBody {
				t.Errorf("a rejected form changed the body: %+v", b)
			}
		})
	}
}

func TestAJPEGLogoIsTakenAndServedAsJPEG(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	admin.get("/admin/body")
	admin.follow(admin.postBodyForm(validBody(), "logo.jpeg", testImage(t, "jpeg", 40, 40)))
	if got := admin.get("/body/logo"); got.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("Content-Type = %q", got.Header.Get("Content-Type"))
	}
}
