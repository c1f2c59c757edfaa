package models

import (
	"database/sql/driver"
	"fmt"
	"strings"
)

// Tags is a Postgres text[] of validated tags.
type Tags []string

// Value writes a Postgres array literal with every element quoted.
func (t Tags) Value() (driver.Value, error) {
	parts := make([]string, len(t))
	for i, s := range t {
		parts[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
	}
	return "{" + strings.Join(parts, ",") + "}", nil
}

// Scan reads a Postgres array literal.
func (t *Tags) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case nil:
		*t = Tags{}
		return nil
	default:
		return fmt.Errorf("tags: cannot scan %T", src)
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	out := Tags{}
	var cur strings.Builder
	inQuote, escaped, any := false, false, false
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\':
			escaped = true
		case r == '"':
			inQuote = !inQuote
			any = true
		case r == ',' && !inQuote:
			out = append(out, cur.String())
			cur.Reset()
			any = false
		default:
			cur.WriteRune(r)
			any = true
		}
	}
	if any || cur.Len() > 0 {
		out = append(out, cur.String())
	}
	*t = out
	return nil
}
