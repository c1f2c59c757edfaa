package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Roles, from least to most privileged.
const (
	RoleMember         = "member"
	RoleModerator      = "moderator"
	RoleProductManager = "product_manager"
	RoleAdmin          = "admin"
)

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
}

// UserByID loads one user.
func UserByID(ctx context.Context, db *gorm.DB, id int64) (*User, error) {
	var u User
	err := db.WithContext(ctx).First(&u, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &u, nil
}
