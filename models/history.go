package models

// HistoryQuery selects a page of an organisation's saves of its response to
// a proposal, newest first. Pages are keyset pages by revision id: Before
// gives the page of older saves than an id, After the page of newer ones;
// neither gives the newest page.
type HistoryQuery struct {
	OrgID      int64
	ProposalID int64
	Before     int64
	After      int64
	Limit      int
}

// HistoryPage is one page of a response's history.
type HistoryPage struct {
	Revisions []RevisionView
	Total     int // every save of the response, on all pages
	HasNewer  bool
	HasOlder  bool
}

// MaxHistoryPage is the most saves one page of history holds.
const MaxHistoryPage = 100
