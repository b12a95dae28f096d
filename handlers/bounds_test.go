package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// Issue 10, item 12: what one person can send is bounded, and the bounds
// are answered in words.

func TestCodingWithTensOfThousandsOfConcernsIsRefusedClearly(t *testing.T) {
	e, id, _ := analysisFixture(t)
	p := e.signIn("policy@body.example")
	path := fmt.Sprintf("/responses/%d", id)
	p.get(path)
	for _, tc := range []struct {
		name  string
		codes []string
		want  string
	}{
		{"40,000 different values", numbered("code", 40_000), "The form sent 40,000 concern codes; a response can carry at most 100."},
		{"101 copies of a real code", repeated("workforce", 101), "The form sent 101 concern codes; a response can carry at most 100."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := p.postForm(path+"/coding", url.Values{"concerns": tc.codes})
			wantStatus(t, r, http.StatusUnprocessableEntity)
			wantContains(t, r.Body, "There is a problem", tc.want, `href="#field-concerns"`)
			d, err := e.store.SubmittedResponse(context.Background(), id)
			if err != nil || len(d.AnalystCodings) != 0 {
				t.Errorf("a refused coding stored %v (%v)", d.AnalystConcerns(), err)
			}
		})
	}
}

func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

func repeated(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}
