package models

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// AuditChange is one field an audited action changed, as people read it:
// "role: Member → Moderator". Old or New is Absent when the field was not
// there before (a creation) or after (a removal).
type AuditChange struct {
	Field string
	Old   string
	New   string
}

// Absent stands for a value that was not there.
const Absent = "—"

// auditValueMax bounds one shown value; the raw JSON stays available.
const auditValueMax = 200

// auditBookkeeping are fields every row has that say nothing about the
// change itself (the actor and time are shown beside it).
var auditBookkeeping = map[string]bool{"id": true, "created at": true, "updated at": true, "created by": true}

// Changes compares the entry's before and after JSON field by field and
// returns the fields whose values differ, sorted by name. The target's own
// id and bookkeeping fields are left out.
func (r AuditRow) Changes() []AuditChange {
	before, after := auditFields(r.Before), auditFields(r.After)
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	out := []AuditChange{}
	for k := range keys {
		field := fieldLabel(k)
		if auditBookkeeping[field] || field == r.TargetType+" id" {
			continue
		}
		b, inBefore := before[k]
		a, inAfter := after[k]
		if inBefore && inAfter && reflect.DeepEqual(a, b) {
			continue
		}
		c := AuditChange{Field: field, Old: Absent, New: Absent}
		if inBefore {
			c.Old = auditValue(field, b)
		}
		if inAfter {
			c.New = auditValue(field, a)
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// auditFields reads a before or after value as fields; anything that is
// not a JSON object is one field named "value", and null is no fields.
func auditFields(raw json.RawMessage) map[string]any {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return map[string]any{}
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err == nil {
		return m
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return map[string]any{"value": string(raw)}
	}
	return map[string]any{"value": v}
}

// fieldLabel turns a JSON key into words: "moderation_reason" and
// "ModerationReason" both read "moderation reason", "MergedIntoID" reads
// "merged into id".
func fieldLabel(k string) string {
	var b strings.Builder
	rs := []rune(k)
	for i, r := range rs {
		switch {
		case r == '_' || r == '-':
			b.WriteByte(' ')
			continue
		case i > 0 && unicode.IsUpper(r) && (unicode.IsLower(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1])):
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// auditValue shows one value: roles and statuses in words, times in UTC,
// booleans as yes/no, structures as compact JSON, long text cut.
func auditValue(field string, v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		if field == "until" {
			return "never" // a ban without an end
		}
		return "none"
	case string:
		switch {
		case x == "":
			return "(empty)"
		case field == "role":
			s = RoleLabel(x)
		case field == "status" || strings.HasSuffix(field, " status"):
			s = statusTitle(x)
		default:
			s = x
			if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
				s = t.UTC().Format("2006-01-02 15:04 MST")
			}
		}
	case bool:
		s = map[bool]string{true: "yes", false: "no"}[x]
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return "?"
		}
		s = string(b)
	}
	if utf8.RuneCountInString(s) > auditValueMax {
		s = string([]rune(s)[:auditValueMax-1]) + "…"
	}
	return s
}
