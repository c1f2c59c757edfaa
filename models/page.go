package models

import "strconv"

// Page is a page-number window over a list. Every list in the product is
// paginated; PerPage is clamped by the caller's validation.
type Page struct {
	Number  int
	PerPage int
	Total   int64
	// Capped says Total is CountCap and the list has more: lists that
	// would otherwise count every matching row count no further than that.
	Capped bool
	// More says a row follows this page; lists that fetch one row beyond
	// the page set it, and it decides "Next" when Total is capped.
	More bool
}

// CountCap is how far a capped list counts ("1,000+"): enough to say how
// many pages a person would page through, O(page) whatever the community.
const CountCap = 1000

// MaxPageNumber bounds page numbers so an offset can never overflow; every
// page beyond the last is "past the end" alike.
const MaxPageNumber = 1_000_000

// NewPage returns page n (from 1, at most MaxPageNumber) of size per.
func NewPage(n, per int) Page {
	if n < 1 {
		n = 1
	}
	if n > MaxPageNumber {
		n = MaxPageNumber
	}
	if per < 1 {
		per = 20
	}
	return Page{Number: n, PerPage: per}
}

// Offset is the number of rows before this page.
func (p Page) Offset() int { return (p.Number - 1) * p.PerPage }

// Pages is the number of pages, at least 1 (with a capped total, the pages
// counted so far).
func (p Page) Pages() int {
	if p.Total == 0 {
		return 1
	}
	return int((p.Total + int64(p.PerPage) - 1) / int64(p.PerPage))
}

// HasPrev reports whether a previous page exists.
func (p Page) HasPrev() bool { return p.Number > 1 }

// HasNext reports whether a next page exists.
func (p Page) HasNext() bool {
	if p.Capped {
		return p.More
	}
	return p.Number < p.Pages()
}

// PastEnd reports whether the page lies beyond the last one of a list that
// has items (an empty list is simply empty, whatever the page).
func (p Page) PastEnd() bool { return !p.Capped && p.Total > 0 && p.Number > p.Pages() }

// TotalLabel is the total as a page shows it: "1,000+" when capped.
func (p Page) TotalLabel() string {
	if p.Capped {
		return thousands(CountCap) + "+"
	}
	return thousands(p.Total)
}

// PagesLabel is the number of pages as a pager shows it: "50+" when the
// total is capped.
func (p Page) PagesLabel() string {
	if p.Capped {
		return thousands(int64(p.Pages())) + "+"
	}
	return thousands(int64(p.Pages()))
}

// thousands writes n with comma separators: 1234567 → "1,234,567".
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := ""
	if n < 0 {
		neg, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return neg + s
}
