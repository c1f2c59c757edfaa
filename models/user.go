package models

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Roles, each with its own powers; admins may do everything.
const (
	RoleMember         = "member"
	RoleModerator      = "moderator"
	RoleProductManager = "product_manager"
	RoleAdmin          = "admin"
)

// Roles lists every role in display order.
var Roles = []string{RoleMember, RoleModerator, RoleProductManager, RoleAdmin}

// roleLabels are the roles as people read them.
var roleLabels = map[string]string{
	RoleMember: "Member", RoleModerator: "Moderator", RoleProductManager: "Product manager", RoleAdmin: "Admin",
}

// RoleLabel is a role in words: "Product manager" for product_manager.
func RoleLabel(role string) string {
	if l, ok := roleLabels[role]; ok {
		return l
	}
	return role
}

// DeletedUserName is shown for content whose author deleted their account.
const DeletedUserName = "deleted user"

// User is a person who signed in at least once.
type User struct {
	ID            int64
	Name          string
	Email         *string
	EmailVerified bool
	AvatarURL     string
	Role          string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	DeletedAt     *time.Time
	// Placeholder marks a customer contact staff voted for by email; the
	// person takes it over at their first sign-in with that address.
	Placeholder bool
	// TokenID is the API token this request acts through (nil for a
	// browser session); audit entries name it.
	TokenID *int64 `gorm:"-"`
}

// userColumns are User's columns, of users u, in the order of
// (*User).scanTargets: the per-request look-ups (a session, a token) scan
// them straight from the row, without GORM's reflection, about a third of
// the app's CPU for a vote through the API.
const userColumns = `u.id, u.name, u.email, u.email_verified, u.avatar_url, u.role, u.created_at, u.updated_at, u.deleted_at, u.placeholder`

func (u *User) scanTargets() []any {
	return []any{&u.ID, &u.Name, &u.Email, &u.EmailVerified, &u.AvatarURL, &u.Role, &u.CreatedAt, &u.UpdatedAt, &u.DeletedAt, &u.Placeholder}
}

// HasRole reports whether u holds one of roles; admins hold every role.
func (u *User) HasRole(roles ...string) bool {
	if u == nil {
		return false
	}
	return u.Role == RoleAdmin || slices.Contains(roles, u.Role)
}

// IsStaff reports whether u works for the company behind the community.
func (u *User) IsStaff() bool {
	return u.HasRole(RoleModerator, RoleProductManager)
}

// DisplayName is the name to show next to content.
func (u *User) DisplayName() string {
	if u == nil || u.DeletedAt != nil {
		return DeletedUserName
	}
	return u.Name
}

// UserByID loads one user.
func UserByID(ctx context.Context, db *gorm.DB, id int64) (*User, error) {
	var u User
	err := db.WithContext(ctx).First(&u, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("No such user.")
	}
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// invisible are format characters that let a name impersonate another or
// hide text: bidi overrides and isolates, zero-width characters, BOM.
func invisible(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069,
		r == 0x200E, r == 0x200F, r == 0x061C,
		r >= 0x200B && r <= 0x200D, r == 0x2060, r == 0xFEFF, r == 0x180E:
		return true
	}
	return false
}

// ValidateName checks a display name and returns it trimmed.
func ValidateName(name string) (string, error) {
	v := &ValidationError{}
	name = strings.TrimSpace(name)
	switch {
	case !utf8.ValidString(name):
		v.Add("name", "Name contains invalid characters.")
	case name == "":
		v.Add("name", "Please enter a name.")
	case utf8.RuneCountInString(name) > 50:
		v.Add("name", "Name must be at most 50 characters.")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		v.Add("name", "Name must not contain control characters.")
	case strings.IndexFunc(name, invisible) >= 0:
		v.Add("name", "Name must not contain invisible or text-direction characters.")
	}
	return name, v.Err()
}

// cleanNames makes usable display names out of whatever a provider sent,
// dropping the candidates nothing is left of.
func cleanNames(candidates ...string) []string {
	var out []string
	for _, c := range candidates {
		c = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) || invisible(r) || r == utf8.RuneError {
				return -1
			}
			return r
		}, c)
		c = strings.Join(strings.Fields(c), " ")
		if r := []rune(c); len(r) > 50 {
			c = strings.TrimSpace(string(r[:50]))
		}
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}
