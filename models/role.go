package models

import (
	"context"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SetRole changes a user's role on behalf of an admin and records it in the
// audit log in the same transaction. The last admin cannot step down. Every
// session of the person ends: they sign in again into their new role.
func SetRole(ctx context.Context, db *gorm.DB, actor *User, targetID int64, role string) (*User, error) {
	if actor == nil || actor.Role != RoleAdmin {
		return nil, Forbidden("Only admins can change roles.")
	}
	if !slices.Contains(Roles, role) {
		return nil, &ValidationError{Fields: map[string]string{"role": "Role must be one of " + strings.Join(Roles, ", ") + "."}}
	}
	var target User
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Lock every admin row first (in id order) so two admins demoting
		// each other at once cannot leave the site without an admin.
		var admins []int64
		if err := tx.Raw(`SELECT id FROM users WHERE role = 'admin' ORDER BY id FOR UPDATE`).Scan(&admins).Error; err != nil {
			return err
		}
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("deleted_at IS NULL").Take(&target, targetID).Error; err != nil {
			return NotFound("No such user.")
		}
		if target.Role == role {
			return nil
		}
		if target.Role == RoleAdmin && len(admins) <= 1 {
			return Conflict("This is the last admin; make someone else admin first.")
		}
		before := target.Role
		if err := tx.Model(&target).Updates(map[string]any{"role": role, "updated_at": gorm.Expr("now()")}).Error; err != nil {
			return err
		}
		target.Role = role
		// A new role starts from new sessions: a cookie copied while the
		// person held the old role must not carry the new one.
		if err := tx.Where("user_id = ?", target.ID).Delete(&Session{}).Error; err != nil {
			return err
		}
		return audit(tx, actor, "user.role", "user", target.ID, map[string]string{"role": before}, map[string]string{"role": role})
	})
	if err != nil {
		return nil, err
	}
	return &target, nil
}

// UserPage is one page of the admin user list, with the bans in force
// for its users.
type UserPage struct {
	Users []User
	Bans  map[int64]*Ban
	Page  Page
}

// ListUsers searches users by name or email for the admin page, by id
// through users_pkey: it fetches one user beyond the page to know whether
// another follows and counts no further than CountCap ("1,000+ people").
func ListUsers(ctx context.Context, db *gorm.DB, query string, page Page) (*UserPage, error) {
	db = db.WithContext(ctx)
	cond, args := "deleted_at IS NULL", map[string]any{}
	if query = strings.TrimSpace(query); query != "" {
		cond += " AND (name ILIKE @like OR email ILIKE @like)"
		args["like"] = "%" + escapeLike(query) + "%"
	}
	list := db.Where(cond)
	if len(args) > 0 {
		list = db.Where(cond, args)
	}
	var users []User
	if err := list.Order("id").Limit(page.PerPage + 1).Offset(page.Offset()).Find(&users).Error; err != nil {
		return nil, err
	}
	if len(users) > page.PerPage {
		users, page.More = users[:page.PerPage], true
	}
	if err := countList(db, &page, "users", cond, args, len(users), false); err != nil {
		return nil, err
	}
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	bans, err := activeBans(db, ids)
	if err != nil {
		return nil, err
	}
	return &UserPage{Users: users, Bans: bans, Page: page}, nil
}

// escapeLike makes user text literal inside a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
