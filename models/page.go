package models

// Page is a page-number window over a list. Every list in the product is
// paginated; PerPage is clamped by the caller's validation.
type Page struct {
	Number  int
	PerPage int
	Total   int64
}

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

// Pages is the number of pages, at least 1.
func (p Page) Pages() int {
	if p.Total == 0 {
		return 1
	}
	return int((p.Total + int64(p.PerPage) - 1) / int64(p.PerPage))
}

// HasPrev reports whether a previous page exists.
func (p Page) HasPrev() bool { return p.Number > 1 }

// HasNext reports whether a next page exists.
func (p Page) HasNext() bool { return p.Number < p.Pages() }

// PastEnd reports whether the page lies beyond the last one of a list that
// has items (an empty list is simply empty, whatever the page).
func (p Page) PastEnd() bool { return p.Total > 0 && p.Number > p.Pages() }
