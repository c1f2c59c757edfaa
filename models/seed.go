package models

import (
	"context"

	"gorm.io/gorm"
)

// demoUsers are the people of the demo community. Later features add their
// ideas, votes and comments.
var demoUsers = []struct{ Name, Email, Role string }{
	{"Ada Admin", "admin@example.com", RoleAdmin},
	{"Morgan Moderator", "moderator@example.com", RoleModerator},
	{"Priya Product", "pm@example.com", RoleProductManager},
	{"Sam Customer", "sam@example.com", RoleMember},
	{"Lee Customer", "lee@example.com", RoleMember},
}

// SeedDemo loads demo content; running it twice changes nothing.
func SeedDemo(ctx context.Context, db *gorm.DB) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, d := range demoUsers {
			err := tx.Exec(`INSERT INTO users (name, email, email_verified, role)
				SELECT ?, ?::text, true, ? WHERE NOT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower(?))`,
				d.Name, d.Email, d.Role, d.Email).Error
			if err != nil {
				return err
			}
			// Demo people sign in through dev sign-in with their email.
			err = tx.Exec(`INSERT INTO identities (user_id, provider, provider_user_id, email)
				SELECT id, ?, lower(email), email FROM users WHERE lower(email) = lower(?)
				ON CONFLICT (provider, provider_user_id) DO NOTHING`, DevProvider, d.Email).Error
			if err != nil {
				return err
			}
		}
		return nil
	})
}
