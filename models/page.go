package models

// Page is a page-number window over a list. Every list in the product is
// paginated; PerPage is clamped by the caller's validation.
type Page struct {
	Number  int
	PerPage int
	Total   int64
}

// NewPage returns page n (from 1) of size per.
func NewPage(n, per int) Page {
	if n < 1 {
		n = 1
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
