package models

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// AuditRow is an audit entry with its actor's name, for the admin page.
type AuditRow struct {
	ID         int64           `json:"id"`
	ActorID    *int64          `json:"actor_id"`
	ActorName  string          `json:"actor_name"`
	Action     string          `json:"action"`
	TargetType string          `json:"target_type"`
	TargetID   *int64          `json:"target_id"`
	Before     json.RawMessage `json:"before"`
	After      json.RawMessage `json:"after"`
	TokenID    *int64          `json:"token_id"` // the API token the actor used
	CreatedAt  time.Time       `json:"created_at"`
}

// BeforeText and AfterText are the stored JSON as text, for display.
func (r AuditRow) BeforeText() string { return string(r.Before) }
func (r AuditRow) AfterText() string  { return string(r.After) }

// AuditQuery filters the audit log. Every field is optional text from the
// filter form; each is validated and bound as a parameter, and the order is
// fixed (newest first), so nothing a user types becomes SQL.
type AuditQuery struct {
	Actor      string // a user id, or part of a name
	Action     string // "idea.hide", or "idea" for every idea.* action
	TargetType string
	TargetID   string
	From       string // YYYY-MM-DD, inclusive, UTC
	To         string // YYYY-MM-DD, inclusive, UTC
	Page       Page
}

// AuditPerPage is the audit page size.
const AuditPerPage = 50

// KnownAuditActions are offered as suggestions in the action filter; any
// other well-formed action can still be typed.
var KnownAuditActions = []string{
	"user.role", "user.ban", "user.unban", "settings.update", "category.create", "category.update",
	"idea.approve", "idea.hide", "idea.restore", "idea.spam",
	"comment.approve", "comment.hide", "comment.restore", "comment.spam",
	"token.revoke",
}

var (
	auditActionRe = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)*$`)
	auditTypeRe   = regexp.MustCompile(`^[a-z0-9_]+$`)
)

// AuditPage is one page of the audit log.
type AuditPage struct {
	Rows []AuditRow
	Page Page
}

// ListAudit returns one page of the audit log, newest first (admins only).
func ListAudit(ctx context.Context, db *gorm.DB, actor *User, q AuditQuery) (*AuditPage, error) {
	if !actor.HasRole(RoleAdmin) {
		return nil, Forbidden("Only admins can read the audit log.")
	}
	v := &ValidationError{}
	var conds []string
	args := map[string]any{"limit": q.Page.PerPage + 1, "offset": q.Page.Offset()}
	// where adds a condition with its named arguments (name, value, ...).
	where := func(sql string, named ...any) {
		conds = append(conds, sql)
		for i := 0; i+1 < len(named); i += 2 {
			args[named[i].(string)] = named[i+1]
		}
	}
	if s := strings.TrimSpace(q.Actor); s != "" {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			where("a.actor_id = @actor_id", "actor_id", id)
		} else if textProblem(s) != "" || utf8.RuneCountInString(s) > 50 {
			v.Add("actor", "Enter a user id or part of a name (at most 50 characters).")
		} else {
			where("u.name ILIKE @actor_name", "actor_name", "%"+escapeLike(s)+"%")
		}
	}
	if s := strings.TrimSpace(q.Action); s != "" {
		switch {
		case len(s) > 60 || !auditActionRe.MatchString(s):
			v.Add("action", "Actions look like idea.hide; use lower-case words joined by dots.")
		case strings.Contains(s, "."):
			where("a.action = @action", "action", s)
		default:
			where("(a.action = @action OR a.action LIKE @action_prefix)", "action", s, "action_prefix", s+".%")
		}
	}
	if s := strings.TrimSpace(q.TargetType); s != "" {
		if len(s) > 30 || !auditTypeRe.MatchString(s) {
			v.Add("target_type", "Target types are lower-case words such as idea, comment, user.")
		} else {
			where("a.target_type = @target_type", "target_type", s)
		}
	}
	if s := strings.TrimSpace(q.TargetID); s != "" {
		if id, err := strconv.ParseInt(s, 10, 64); err != nil || id <= 0 {
			v.Add("target_id", "The target id is a whole number.")
		} else {
			where("a.target_id = @target_id", "target_id", id)
		}
	}
	from, fromOK := auditDate(v, "from", q.From)
	to, toOK := auditDate(v, "to", q.To)
	if fromOK {
		where("a.created_at >= @from", "from", from)
	}
	if toOK {
		where("a.created_at < @to", "to", to.AddDate(0, 0, 1))
	}
	if fromOK && toOK && to.Before(from) {
		v.Add("to", "The end date is before the start date.")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	cond := "true"
	if len(conds) > 0 {
		cond = strings.Join(conds, " AND ")
	}
	const table = "audit_log a LEFT JOIN users u ON u.id = a.actor_id"
	db = db.WithContext(ctx)
	out := &AuditPage{Rows: []AuditRow{}, Page: q.Page}
	// One row beyond the page says whether another follows; the total is
	// counted only as far as CountCap: the log only grows.
	err := rawNamed(db, `SELECT a.id, a.actor_id, CASE WHEN u.id IS NULL THEN 'system' WHEN u.deleted_at IS NULL THEN u.name ELSE 'deleted user' END AS actor_name,
		a.action, a.target_type, a.target_id, a.before, a.after, a.token_id, a.created_at
		FROM `+table+` WHERE `+cond+` ORDER BY a.created_at DESC, a.id DESC LIMIT @limit OFFSET @offset`, args).Scan(&out.Rows).Error
	if err != nil {
		return nil, err
	}
	if len(out.Rows) > q.Page.PerPage {
		out.Rows, out.Page.More = out.Rows[:q.Page.PerPage], true
	}
	if err := countList(db, &out.Page, table, cond, args, len(out.Rows), false); err != nil {
		return nil, err
	}
	return out, nil
}

// auditDate parses an optional YYYY-MM-DD filter date (UTC midnight).
func auditDate(v *ValidationError, field, s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		v.Add(field, "Dates look like 2026-01-31.")
		return time.Time{}, false
	}
	return t, true
}
