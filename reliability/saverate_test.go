//go:build reliability

package reliability

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestOneMemberSavingFlatOutIsSlowedAndTheHistoryStaysSmall is issue 10,
// item 12, against the real binary: one member sends 400 saves as fast as
// the connection allows. The first 60 (a minute's worth) are saved, the
// rest are answered 429 with the text kept, and the history page stays a
// page of 25 saves.
func TestOneMemberSavingFlatOutIsSlowedAndTheHistoryStaysSmall(t *testing.T) {
	_, srv, b, _ := oneSignedInMember(t, "flatout@flb.example")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	version, _, err := b.openForm(ctx, srv.Base, "LP-03")
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[int]int{}
	start := time.Now()
	for i := range 400 {
		a := answer{Stance: "support", Consent: "attributed", Comment: fmt.Sprintf("save number %d, typed by hand", i)}
		outcome, p, err := b.save(ctx, srv.Base, "LP-03", a, version)
		if err != nil {
			t.Fatal(err)
		}
		statuses[p.Status]++
		switch {
		case outcome == savedAck:
			version++
		case p.Status == http.StatusTooManyRequests:
			if !strings.Contains(p.Body, "save number "+fmt.Sprint(i)+", typed by hand</textarea>") || !strings.Contains(p.Body, "Nothing was saved") {
				t.Fatalf("save %d: a 429 without the typed text or without saying nothing was saved", i)
			}
		default:
			t.Fatalf("save %d: status %d", i, p.Status)
		}
	}
	took := time.Since(start)
	hist, err := b.do(ctx, http.MethodGet, srv.Base+"/proposals/LP-03/history", nil)
	if err != nil || hist.Status != http.StatusOK {
		t.Fatalf("history: %d %v", hist.Status, err)
	}
	shown := strings.Count(hist.Body, `<article class="revision">`)
	t.Logf("RESULT save rate: 400 saves in %s: %d saved (303), %d refused (429); history page %d bytes showing %d saves",
		took.Round(time.Millisecond), statuses[http.StatusSeeOther], statuses[http.StatusTooManyRequests], len(hist.Body), shown)
	if n := statuses[http.StatusSeeOther]; n < 60 || n > 70 {
		t.Errorf("%d saves were made; want the burst of 60 and what a few seconds refill", n)
	}
	if shown != 25 || len(hist.Body) > 200_000 {
		t.Errorf("the history page shows %d saves in %d bytes; want 25, well under 200 KB", shown, len(hist.Body))
	}
}
