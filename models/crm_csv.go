package models

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/integrations/crm"
)

// Limits of one CSV import: bigger files are refused whole (413).
const (
	MaxCSVBytes = 10 << 20
	MaxCSVRows  = 50000
	// CSVPreviewRows is how many rows the preview shows.
	CSVPreviewRows = 20
)

// CSVColumns are the accepted header names, in display order; their
// validation messages use the same names (AccountInput.Validate).
var CSVColumns = []string{"external_id", "name", "domains", "arr", "currency", "segment", "lifecycle",
	"owner_name", "owner_email", "renewal_date"}

// SyncError is one problem of a run: for a CSV, the line (1 is the header
// row) and the column's header name; for a CRM sync, line 0 and the field.
type SyncError struct {
	Line    int    `json:"line"`
	Column  string `json:"column"`
	Message string `json:"message"`
}

// CSVRow is one data row: its cells by header name and, when it has no
// error, the account it becomes.
type CSVRow struct {
	Line  int
	Cells map[string]string
	Input AccountInput
	OK    bool
}

// CSVCheck is a file read and checked: every row, every error.
type CSVCheck struct {
	Header []string
	Rows   []CSVRow
	Errors []SyncError
	Valid  int
}

// ErrTooLarge is a file over MaxCSVBytes or MaxCSVRows (413).
var ErrTooLarge = errors.New("too large")

func tooLarge(msg string) error { return &Problem{Kind: ErrTooLarge, Message: msg} }

// CSVTooLargeMessage explains the limits.
var CSVTooLargeMessage = fmt.Sprintf("The file is too large: an import takes at most %d MB and %s rows. Split it and import the parts.",
	MaxCSVBytes>>20, "50,000")

// CheckAccountsCSV reads data and reports, per row, every problem an import
// would meet: bad cells, a duplicate external_id or domain within the file,
// and a domain that already belongs to another account. A file that cannot
// be read as CSV at all is a *ValidationError on "file".
func CheckAccountsCSV(tx *gorm.DB, data []byte) (*CSVCheck, error) {
	if len(data) > MaxCSVBytes {
		return nil, tooLarge(CSVTooLargeMessage)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a spreadsheet's BOM
	if !utf8.Valid(data) {
		return nil, &ValidationError{Fields: map[string]string{"file": "The file is not UTF-8 text; save it as CSV UTF-8."}}
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1 // a short or long row is reported per row, not the end of the file
	header, err := r.Read()
	if err == io.EOF {
		return nil, &ValidationError{Fields: map[string]string{"file": "The file is empty."}}
	} else if err != nil {
		return nil, &ValidationError{Fields: map[string]string{"file": "The header row is not valid CSV: " + csvReason(err)}}
	}
	c := &CSVCheck{}
	seenCol := map[string]bool{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		header[i] = h
		switch {
		case !slices.Contains(CSVColumns, h):
			c.Errors = append(c.Errors, SyncError{1, h, fmt.Sprintf("Unknown column %q; the columns are %s.", h, strings.Join(CSVColumns, ", "))})
		case seenCol[h]:
			c.Errors = append(c.Errors, SyncError{1, h, "This column appears twice."})
		}
		seenCol[h] = true
	}
	for _, need := range []string{"external_id", "name"} {
		if !seenCol[need] {
			c.Errors = append(c.Errors, SyncError{1, need, "The required column " + need + " is missing."})
		}
	}
	c.Header = header
	if len(c.Errors) > 0 {
		return c, nil // rows cannot be read without their columns
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			c.Errors = append(c.Errors, SyncError{line, "", "This line is not valid CSV (" + csvReason(err) + "); the rest of the file was not read."})
			break
		}
		if len(c.Rows) == MaxCSVRows {
			return nil, tooLarge(CSVTooLargeMessage)
		}
		c.Rows = append(c.Rows, readCSVRow(line, header, rec, &c.Errors))
	}
	if err := c.crossCheck(tx); err != nil {
		return nil, err
	}
	for _, row := range c.Rows {
		if row.OK {
			c.Valid++
		}
	}
	slices.SortStableFunc(c.Errors, func(a, b SyncError) int { return a.Line - b.Line })
	return c, nil
}

func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// readCSVRow turns one record into an AccountInput, adding its errors.
func readCSVRow(line int, header, rec []string, errs *[]SyncError) CSVRow {
	row := CSVRow{Line: line, Cells: map[string]string{}}
	bad := func(col, msg string) {
		*errs = append(*errs, SyncError{line, col, msg})
		row.OK = false
	}
	row.OK = true
	if len(rec) != len(header) {
		bad("", fmt.Sprintf("This row has %d cells; the header has %d.", len(rec), len(header)))
		return row
	}
	for i, h := range header {
		row.Cells[h] = rec[i]
	}
	in := AccountInput{
		ExternalID: row.Cells["external_id"], Name: row.Cells["name"], Currency: row.Cells["currency"],
		Segment: row.Cells["segment"], Lifecycle: row.Cells["lifecycle"],
		OwnerName: row.Cells["owner_name"], OwnerEmail: row.Cells["owner_email"],
	}
	for _, d := range strings.Split(row.Cells["domains"], ";") {
		if d = strings.TrimSpace(d); d != "" {
			in.Domains = append(in.Domains, d)
		}
	}
	cellErrs := map[string]string{}
	if n, err := crm.ParseCents(row.Cells["arr"], false); err != nil {
		cellErrs["arr"] = "ARR " + strings.TrimSpace(row.Cells["arr"]) + ": " + err.Error() + "."
	} else {
		in.ARRCents = n
	}
	if s := strings.TrimSpace(row.Cells["renewal_date"]); s != "" {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			cellErrs["renewal_date"] = "Use a date like 2027-03-31 (YYYY-MM-DD)."
		} else {
			in.RenewalDate = &d
		}
	}
	if err := in.Validate(SourceCSV); err != nil {
		var ve *ValidationError
		if !errors.As(err, &ve) {
			bad("", err.Error())
			return row
		}
		for f, m := range ve.Fields {
			if _, ok := cellErrs[f]; !ok {
				cellErrs[f] = m
			}
		}
	}
	for _, col := range CSVColumns { // in column order, so the report reads left to right
		if m, ok := cellErrs[col]; ok {
			bad(col, m)
		}
	}
	row.Input = in
	return row
}

// crossCheck finds what only the whole file or the database can tell: an
// external_id or domain twice in the file (the second is the error) and a
// domain that already belongs to another account.
func (c *CSVCheck) crossCheck(tx *gorm.DB) error {
	ids, domains, index := map[string]int{}, map[string]int{}, map[int]int{}
	var all []string
	for i := range c.Rows {
		row := &c.Rows[i]
		index[row.Line] = i
		id := strings.TrimSpace(row.Cells["external_id"])
		if id != "" {
			if first, dup := ids[id]; dup {
				c.Errors = append(c.Errors, SyncError{row.Line, "external_id",
					fmt.Sprintf("external_id %s already appears on line %d.", id, first)})
				row.OK = false
			} else {
				ids[id] = row.Line
			}
		}
		if !row.OK {
			continue
		}
		for _, d := range row.Input.Domains {
			if first, dup := domains[d]; dup {
				c.Errors = append(c.Errors, SyncError{row.Line, "domains", fmt.Sprintf("%s already appears on line %d.", d, first)})
				row.OK = false
			} else {
				domains[d] = row.Line
				all = append(all, d)
			}
		}
	}
	if len(all) == 0 {
		return nil
	}
	var owners []struct {
		Domain, Name, Source string
		ExternalID           *string
	}
	err := tx.Raw(`SELECT d.domain, a.name, a.source, a.external_id FROM crm_account_domains d
		JOIN crm_accounts a ON a.id = d.account_id WHERE d.domain = ANY (CAST(? AS text[]))`, Tags(all)).Scan(&owners).Error
	if err != nil {
		return err
	}
	for _, o := range owners {
		line := domains[o.Domain]
		i, ok := index[line]
		if !ok || !c.Rows[i].OK {
			continue
		}
		// The account this very row updates may keep its own domains.
		if o.Source == SourceCSV && o.ExternalID != nil && *o.ExternalID == c.Rows[i].Input.ExternalID {
			continue
		}
		c.Errors = append(c.Errors, SyncError{line, "domains", o.Domain + " already belongs to " + o.Name + "."})
		c.Rows[i].OK = false
	}
	return nil
}
