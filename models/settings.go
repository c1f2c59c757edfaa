package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SiteSettings is the single row of community-wide anti-abuse settings.
// Limits are read on every post, vote and member action, so a change applies
// at once, without a restart.
type SiteSettings struct {
	ID                     int       `json:"-"`
	FirstPostApproval      bool      `json:"first_post_approval" gorm:"column:first_post_approval"`
	IdeasPerHour           int       `json:"ideas_per_hour" gorm:"column:ideas_per_hour"`
	CommentIntervalSeconds int       `json:"comment_interval_seconds" gorm:"column:comment_interval_seconds"`
	VotesPerMinute         int       `json:"votes_per_minute" gorm:"column:votes_per_minute"`
	DuplicateWindowMinutes int       `json:"duplicate_window_minutes" gorm:"column:duplicate_window_minutes"`
	NewMemberMaxLinks      int       `json:"new_member_max_links" gorm:"column:new_member_max_links"`
	NewMemberPosts         int       `json:"new_member_posts" gorm:"column:new_member_posts"`
	PerIPActionsPerMinute  int       `json:"per_ip_actions_per_minute" gorm:"column:per_ip_actions_per_minute"`
	SignupsPerIPPerHour    int       `json:"signups_per_ip_per_hour" gorm:"column:signups_per_ip_per_hour"`
	VotesPerDay            int       `json:"votes_per_day" gorm:"column:votes_per_day"`
	UpdatedAt              time.Time `json:"-"`
}

func (SiteSettings) TableName() string { return "site_settings" }

// defaultSettings mirror the column defaults, for a database whose row was
// removed by hand: limits then still apply instead of failing every post.
var defaultSettings = SiteSettings{
	ID: 1, IdeasPerHour: 5, CommentIntervalSeconds: 10, VotesPerMinute: 30, DuplicateWindowMinutes: 5,
	NewMemberMaxLinks: 2, NewMemberPosts: 3, PerIPActionsPerMinute: 60, SignupsPerIPPerHour: 3, VotesPerDay: 500,
}

// Settings loads the site settings.
func Settings(ctx context.Context, db *gorm.DB) (*SiteSettings, error) {
	return loadSettings(db.WithContext(ctx))
}

func loadSettings(tx *gorm.DB) (*SiteSettings, error) {
	var rows []SiteSettings
	if err := tx.Where("id = 1").Limit(1).Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		s := defaultSettings
		return &s, nil
	}
	return &rows[0], nil
}

// SettingsInput is what an admin submits on the settings page.
type SettingsInput struct {
	FirstPostApproval      bool `json:"first_post_approval"`
	IdeasPerHour           int  `json:"ideas_per_hour"`
	CommentIntervalSeconds int  `json:"comment_interval_seconds"`
	VotesPerMinute         int  `json:"votes_per_minute"`
	DuplicateWindowMinutes int  `json:"duplicate_window_minutes"`
	NewMemberMaxLinks      int  `json:"new_member_max_links"`
	NewMemberPosts         int  `json:"new_member_posts"`
	PerIPActionsPerMinute  int  `json:"per_ip_actions_per_minute"`
	SignupsPerIPPerHour    int  `json:"signups_per_ip_per_hour"`
	VotesPerDay            int  `json:"votes_per_day"`
}

// SettingLimit is the allowed range of one numeric setting; the settings
// page uses the same table for its min/max attributes.
type SettingLimit struct {
	Field, Label, Hint string
	Min, Max           int
}

// SettingLimits lists every numeric setting in display order. The lower
// bounds match the table's CHECK constraints; the upper bounds are generous
// and only catch typos that would overflow or mean "no limit" by accident.
var SettingLimits = []SettingLimit{
	{"ideas_per_hour", "Ideas per member per hour", "How many ideas one member may post in any hour.", 1, 100000},
	{"comment_interval_seconds", "Seconds between a member's comments", "0 turns the wait off.", 0, 86400},
	{"votes_per_minute", "Votes per member per minute", "Every vote counts, including a repeated one.", 1, 100000},
	{"duplicate_window_minutes", "Duplicate window (minutes)", "The same text posted twice within this time is refused; 0 turns it off.", 0, 10080},
	{"new_member_max_links", "Links allowed for new members", "Per idea or comment, until they have enough visible posts.", 0, 1000},
	{"new_member_posts", "Posts before a member is no longer new", "Visible ideas and comments; 0 means nobody is new.", 0, 1000},
	{"per_ip_actions_per_minute", "Actions per network address per minute", "Every form or API change from one IP address counts.", 1, 1000000},
	{"signups_per_ip_per_hour", "New accounts per network address per hour", "Sign-ins that create an account; existing members always sign in.", 1, 1000000},
	{"votes_per_day", "Votes per member per day", "Votes cast in any 24 hours, including ones withdrawn since.", 1, 1000000},
}

// values maps each numeric field name to its value, for validation and the
// settings page.
func (in SettingsInput) values() map[string]int {
	return map[string]int{
		"ideas_per_hour": in.IdeasPerHour, "comment_interval_seconds": in.CommentIntervalSeconds,
		"votes_per_minute": in.VotesPerMinute, "duplicate_window_minutes": in.DuplicateWindowMinutes,
		"new_member_max_links": in.NewMemberMaxLinks, "new_member_posts": in.NewMemberPosts,
		"per_ip_actions_per_minute": in.PerIPActionsPerMinute, "signups_per_ip_per_hour": in.SignupsPerIPPerHour,
		"votes_per_day": in.VotesPerDay,
	}
}

// NewSettingsInput builds an input from a field → value map (the inverse of
// Values), so a form handler needs no list of its own; missing fields are 0
// and fail validation.
func NewSettingsInput(firstPostApproval bool, v map[string]int) SettingsInput {
	return SettingsInput{
		FirstPostApproval: firstPostApproval, IdeasPerHour: v["ideas_per_hour"],
		CommentIntervalSeconds: v["comment_interval_seconds"], VotesPerMinute: v["votes_per_minute"],
		DuplicateWindowMinutes: v["duplicate_window_minutes"], NewMemberMaxLinks: v["new_member_max_links"],
		NewMemberPosts: v["new_member_posts"], PerIPActionsPerMinute: v["per_ip_actions_per_minute"],
		SignupsPerIPPerHour: v["signups_per_ip_per_hour"], VotesPerDay: v["votes_per_day"],
	}
}

// Values is the settings as a field → value map, for forms.
func (s *SiteSettings) Values() map[string]int { return s.Input().values() }

// Input is the settings as an input, to pre-fill the form.
func (s *SiteSettings) Input() SettingsInput {
	return SettingsInput{
		FirstPostApproval: s.FirstPostApproval, IdeasPerHour: s.IdeasPerHour,
		CommentIntervalSeconds: s.CommentIntervalSeconds, VotesPerMinute: s.VotesPerMinute,
		DuplicateWindowMinutes: s.DuplicateWindowMinutes, NewMemberMaxLinks: s.NewMemberMaxLinks,
		NewMemberPosts: s.NewMemberPosts, PerIPActionsPerMinute: s.PerIPActionsPerMinute,
		SignupsPerIPPerHour: s.SignupsPerIPPerHour, VotesPerDay: s.VotesPerDay,
	}
}

// Validate checks every numeric setting against SettingLimits.
func (in SettingsInput) Validate() error {
	v := &ValidationError{}
	vals := in.values()
	for _, l := range SettingLimits {
		if n := vals[l.Field]; n < l.Min || n > l.Max {
			v.Add(l.Field, "Enter a whole number from "+itoa(int64(l.Min))+" to "+itoa(int64(l.Max))+".")
		}
	}
	return v.Err()
}

// UpdateSettings saves the settings (admins only) and audits the change with
// the values before and after, in one transaction.
func UpdateSettings(ctx context.Context, db *gorm.DB, actor *User, in SettingsInput) (*SiteSettings, error) {
	if !actor.HasRole(RoleAdmin) {
		return nil, Forbidden("Only admins can change the site settings.")
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var after SiteSettings
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Recreate the row if someone deleted it, then lock it so two admins
		// saving at once produce two correct audit entries.
		if err := tx.Exec(`INSERT INTO site_settings (id) VALUES (1) ON CONFLICT (id) DO NOTHING`).Error; err != nil {
			return err
		}
		var before SiteSettings
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = 1").Take(&before).Error; err != nil {
			return err
		}
		err := tx.Model(&SiteSettings{}).Where("id = 1").Updates(map[string]any{
			"first_post_approval": in.FirstPostApproval, "ideas_per_hour": in.IdeasPerHour,
			"comment_interval_seconds": in.CommentIntervalSeconds, "votes_per_minute": in.VotesPerMinute,
			"duplicate_window_minutes": in.DuplicateWindowMinutes, "new_member_max_links": in.NewMemberMaxLinks,
			"new_member_posts": in.NewMemberPosts, "per_ip_actions_per_minute": in.PerIPActionsPerMinute,
			"signups_per_ip_per_hour": in.SignupsPerIPPerHour, "votes_per_day": in.VotesPerDay,
			"updated_at": gorm.Expr("now()"),
		}).Error
		if err != nil {
			return err
		}
		if err := tx.Where("id = 1").Take(&after).Error; err != nil {
			return err
		}
		return audit(tx, actor, "settings.update", "site_settings", 1, before, after)
	})
	if err != nil {
		return nil, err
	}
	return &after, nil
}
