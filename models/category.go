package models

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Category groups ideas; admins manage them.
type Category struct {
	ID          int64
	Slug        string
	Name        string
	Description string
	Position    int
	CreatedAt   time.Time
}

// DefaultCategory is created by the first community migration.
const DefaultCategory = "general"

// Categories lists every category in display order.
func Categories(ctx context.Context, db *gorm.DB) ([]Category, error) {
	var cs []Category
	err := db.WithContext(ctx).Order("position, name, id").Limit(200).Find(&cs).Error
	return cs, err
}

var slugRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// CategoryInput is what an admin submits for a category. A nil Position
// puts a new category last and leaves an existing one where it is.
type CategoryInput struct {
	Slug        string `json:"slug"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Position    *int   `json:"position,omitempty"`
}

// MaxCategoryPosition bounds positions (the column is a 4-byte int).
const MaxCategoryPosition = 9999

func (in *CategoryInput) validate() error {
	v := &ValidationError{}
	in.Slug, in.Name, in.Description = strings.TrimSpace(in.Slug), strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	if !slugRe.MatchString(in.Slug) {
		v.Add("slug", "Use 1–40 lower-case letters, digits and hyphens, starting with a letter or digit.")
	}
	if n := utf8.RuneCountInString(in.Name); n < 1 || n > 60 || !utf8.ValidString(in.Name) || strings.ContainsRune(in.Name, 0) {
		v.Add("name", "Name must be 1–60 characters.")
	}
	if utf8.RuneCountInString(in.Description) > 300 || !utf8.ValidString(in.Description) || strings.ContainsRune(in.Description, 0) {
		v.Add("description", "Description must be at most 300 characters.")
	}
	if in.Position != nil && (*in.Position < 0 || *in.Position > MaxCategoryPosition) {
		v.Add("position", "Position must be a whole number from 0 to "+itoa(MaxCategoryPosition)+".")
	}
	return v.Err()
}

// CreateCategory adds a category (admin), audited.
func CreateCategory(ctx context.Context, db *gorm.DB, actor *User, in CategoryInput) (*Category, error) {
	if !actor.HasRole(RoleAdmin) {
		return nil, Forbidden("Only admins can manage categories.")
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	c := Category{Slug: in.Slug, Name: in.Name, Description: in.Description}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if in.Position != nil {
			c.Position = *in.Position
		} else if err := tx.Raw(`SELECT least(coalesce(max(position), 0) + 1, ?) FROM categories`, MaxCategoryPosition).Scan(&c.Position).Error; err != nil {
			return err
		}
		in.Position = &c.Position
		if err := tx.Omit("CreatedAt").Create(&c).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return &ValidationError{Fields: map[string]string{"slug": "A category with this slug already exists."}}
			}
			return err
		}
		return audit(tx, actor, "category.create", "category", c.ID, nil, in)
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// UpdateCategory changes a category's name, description and position (admin).
func UpdateCategory(ctx context.Context, db *gorm.DB, actor *User, id int64, in CategoryInput) error {
	if !actor.HasRole(RoleAdmin) {
		return Forbidden("Only admins can manage categories.")
	}
	var before Category
	if err := db.WithContext(ctx).Take(&before, id).Error; err != nil {
		return NotFound("No such category.")
	}
	in.Slug = before.Slug // slugs are URLs; they do not change
	if err := in.validate(); err != nil {
		return err
	}
	if in.Position == nil {
		in.Position = &before.Position
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&Category{}).Where("id = ?", id).
			Updates(map[string]any{"name": in.Name, "description": in.Description, "position": *in.Position}).Error; err != nil {
			return err
		}
		old := CategoryInput{Slug: before.Slug, Name: before.Name, Description: before.Description, Position: &before.Position}
		return audit(tx, actor, "category.update", "category", id, old, in)
	})
}
