package models

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Idea statuses.
const (
	StatusOpen        = "open"
	StatusUnderReview = "under_review"
	StatusPlanned     = "planned"
	StatusInProgress  = "in_progress"
	StatusShipped     = "shipped"
	StatusDeclined    = "declined"
	StatusMerged      = "merged"
)

// Statuses lists every status in workflow order.
var Statuses = []string{StatusOpen, StatusUnderReview, StatusPlanned, StatusInProgress, StatusShipped, StatusDeclined, StatusMerged}

// Idea is one suggestion, with the joined fields every page shows.
type Idea struct {
	ID           int64
	Title        string
	Body         string
	BodyHTML     string
	BodyText     string `gorm:"->"` // BodyHTML's text, kept by the database, for excerpts
	CategoryID   int64
	Category     string `gorm:"->"` // slug
	CategoryName string `gorm:"->"`
	Tags         Tags
	AuthorID     int64
	AuthorName   string `gorm:"->"`
	Status       string
	Moderation   string
	// ModerationReason is shown to the author of hidden content.
	ModerationReason string
	MergedIntoID     *int64
	VoteCount        int
	CommentCount     int
	FollowerCount    int
	Score            float64
	StaffStatusAt    *time.Time
	DeletedAt        *time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
	Voted            bool `gorm:"->"` // by the viewer
	Following        bool `gorm:"->"` // by the viewer
	CommentsLocked   bool // a moderator closed the discussion to members
}

// Votable reports whether members may still vote on the idea.
func (i Idea) Votable() bool {
	return i.Moderation == "visible" && i.DeletedAt == nil && i.MergedIntoID == nil &&
		i.Status != StatusMerged && i.Status != StatusDeclined && i.Status != StatusShipped
}

// Slug is the URL-friendly form of the title. A slug that is the name of a
// page under /ideas/:id/ (edit, delete, …) gets "-idea" appended, so the
// idea's own URL never opens that page instead.
func (i Idea) Slug() string {
	s := Slugify(i.Title)
	if slices.Contains(ideaPageNames, s) {
		return s + "-idea"
	}
	return s
}

// ideaPageNames are the GET pages under /ideas/:id/ (handlers/routes.go;
// a test there keeps this list complete).
var ideaPageNames = []string{"edit", "delete", "merge", "unmerge", "voters", "accounts"}

// URL is the idea's canonical path.
func (i Idea) URL() string { return "/ideas/" + itoa(i.ID) + "/" + i.Slug() }

// EditableBy reports whether u may edit the idea: its author, until staff
// first change its status.
func (i Idea) EditableBy(u *User) bool {
	return u != nil && u.ID == i.AuthorID && i.StaffStatusAt == nil && i.DeletedAt == nil && i.MergedIntoID == nil
}

// Slugify makes "Dark mode, please!" into "dark-mode-please": every run of
// characters other than a–z and 0–9 (after lower-casing) is one dash. A loop,
// not a regexp: every list row's URL runs it.
func Slugify(s string) string {
	b := make([]byte, 0, min(len(s), 64))
	for _, r := range strings.ToLower(s) {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			b = append(b, byte(r))
		case len(b) > 0 && b[len(b)-1] != '-':
			b = append(b, '-')
		}
	}
	s = strings.TrimRight(string(b), "-")
	if len(s) > 60 {
		s = strings.TrimRight(s[:60], "-")
	}
	if s == "" {
		return "idea"
	}
	return s
}

// IdeaInput is what a member submits for a new or edited idea.
type IdeaInput struct {
	Title    string
	Body     string
	Category string
	Tags     []string
}

var tagRe = regexp.MustCompile(`^[\p{Ll}\p{Lo}\p{N}][\p{Ll}\p{Lo}\p{N}\-]*$`)

// textProblem names what is wrong with free text, or "".
func textProblem(s string) string {
	if !utf8.ValidString(s) {
		return "contains invalid characters"
	}
	if strings.ContainsRune(s, 0) {
		return "contains a NUL character"
	}
	return ""
}

// normalize trims and validates the input, returning field errors.
func (in *IdeaInput) normalize() error {
	v := &ValidationError{}
	in.Title = strings.Join(strings.Fields(in.Title), " ")
	in.Body = strings.TrimSpace(strings.ReplaceAll(in.Body, "\r\n", "\n"))
	if p := textProblem(in.Title); p != "" {
		v.Add("title", "Title "+p+".")
	} else if n := utf8.RuneCountInString(in.Title); n < 8 {
		v.Add("title", "Title must be at least 8 characters.")
	} else if n > 120 {
		v.Add("title", "Title must be at most 120 characters.")
	} else if strings.IndexFunc(in.Title, func(r rune) bool { return unicode.IsControl(r) || invisible(r) }) >= 0 {
		v.Add("title", "Title must not contain control or invisible characters.")
	}
	if p := textProblem(in.Body); p != "" {
		v.Add("body", "Description "+p+".")
	} else if utf8.RuneCountInString(in.Body) > 10000 {
		v.Add("body", "Description must be at most 10,000 characters.")
	}
	in.Category = strings.TrimSpace(in.Category)
	if in.Category == "" {
		in.Category = DefaultCategory
	}
	var tags []string
	for _, t := range in.Tags {
		for _, part := range strings.Split(t, ",") {
			part = strings.ToLower(strings.Join(strings.Fields(part), "-"))
			if part == "" || contains(tags, part) {
				continue
			}
			if p := textProblem(part); p != "" || utf8.RuneCountInString(part) > 30 || !tagRe.MatchString(part) {
				v.Add("tags", "Tags are lower-case words of up to 30 letters, digits or hyphens.")
			}
			tags = append(tags, part)
		}
	}
	if len(tags) > 5 {
		v.Add("tags", "Use at most 5 tags.")
	}
	in.Tags = tags
	return v.Err()
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

// categoryID resolves a category slug, or a field error.
func categoryID(tx *gorm.DB, slug string) (int64, error) {
	var c Category
	if err := tx.Where("slug = ?", slug).Take(&c).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return 0, &ValidationError{Fields: map[string]string{"category": "Choose one of the listed categories."}}
		}
		return 0, err
	}
	return c.ID, nil
}

// CreateIdea posts an idea. The author's own vote and follow come with it,
// in the same transaction (vote_count starts at 1).
func CreateIdea(ctx context.Context, db *gorm.DB, author *User, in IdeaInput) (*Idea, error) {
	if author == nil {
		return nil, ErrUnauthorized
	}
	if err := in.normalize(); err != nil {
		return nil, err
	}
	var id int64
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		catID, err := categoryID(tx, in.Category)
		if err != nil {
			return err
		}
		moderation, err := checkPost(tx, author, PostIdea, in.Title+"\n"+in.Body)
		if err != nil {
			return err
		}
		err = tx.Raw(`INSERT INTO ideas (title, body, body_html, category_id, tags, author_id, moderation, vote_count, follower_count, score)
			VALUES (?, ?, ?, ?, ?, ?, ?, 1, 1, cw_trend_add(NULL, 1, now())) RETURNING id`,
			in.Title, in.Body, md.render(in.Body), catID, Tags(in.Tags), author.ID, moderation).Scan(&id).Error
		if err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO votes (idea_id, user_id) VALUES (?, ?)`, id, author.ID).Error; err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO follows (idea_id, user_id) VALUES (?, ?)`, id, author.ID).Error; err != nil {
			return err
		}
		return RecordIdeaEvent(tx, EventIdeaCreated, id, nil) // a pending idea sends nothing
	})
	if err != nil {
		return nil, err
	}
	return IdeaByID(ctx, db, author, id)
}

// UpdateIdea edits an idea on behalf of its author.
func UpdateIdea(ctx context.Context, db *gorm.DB, actor *User, id int64, in IdeaInput) (*Idea, error) {
	idea, err := IdeaByID(ctx, db, actor, id)
	if err != nil {
		return nil, err
	}
	if err := checkBan(db.WithContext(ctx), actor); err != nil {
		return nil, err
	}
	if !idea.EditableBy(actor) {
		if actor == nil || actor.ID != idea.AuthorID {
			return nil, Forbidden("Only the author can edit this idea.")
		}
		return nil, Forbidden("This idea can no longer be edited: the team has already responded to it.")
	}
	if err := in.normalize(); err != nil {
		return nil, err
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		catID, err := categoryID(tx, in.Category)
		if err != nil {
			return err
		}
		res := tx.Exec(`UPDATE ideas SET title = ?, body = ?, body_html = ?, category_id = ?, tags = ?, updated_at = now()
			WHERE id = ? AND author_id = ? AND staff_status_at IS NULL AND deleted_at IS NULL`,
			in.Title, in.Body, md.render(in.Body), catID, Tags(in.Tags), id, actor.ID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return Conflict("This idea changed while you were editing it; please reload.")
		}
		return RecordIdeaEvent(tx, EventIdeaUpdated, id, map[string]any{"changes": ideaChanges(idea, in)})
	})
	if err != nil {
		return nil, err
	}
	return IdeaByID(ctx, db, actor, id)
}

// DeletableBy reports whether u may delete the idea: its author, or a
// moderator.
func (i Idea) DeletableBy(u *User) bool {
	return u != nil && i.DeletedAt == nil && (u.ID == i.AuthorID || u.HasRole(RoleModerator))
}

// DeleteIdea soft-deletes an idea on behalf of its author or a moderator;
// afterwards only staff can see it. A moderator deleting someone else's idea
// is audited.
func DeleteIdea(ctx context.Context, db *gorm.DB, actor *User, id int64) error {
	idea, err := IdeaByID(ctx, db, actor, id)
	if err != nil {
		return err
	}
	if actor == nil || (actor.ID != idea.AuthorID && !actor.HasRole(RoleModerator)) {
		return Forbidden("Only the author or a moderator can delete this idea.")
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE ideas SET deleted_at = now(), updated_at = now() WHERE id = ? AND deleted_at IS NULL`, id)
		if res.Error != nil || res.RowsAffected == 0 || actor.ID == idea.AuthorID {
			return res.Error
		}
		return audit(tx, actor, "idea.delete", "idea", id, map[string]any{"deleted": false}, map[string]any{"deleted": true})
	})
}

// ideaSelect is the column list of every idea query; viewer 0 is anonymous.
const ideaSelect = ideaColumns + `,
	EXISTS (SELECT 1 FROM votes v WHERE v.idea_id = i.id AND v.user_id = @viewer) AS voted,
	EXISTS (SELECT 1 FROM follows f WHERE f.idea_id = i.id AND f.user_id = @viewer) AS following`

// ideaColumns is ideaSelect without the viewer's marks, for lists that
// fill them in one query for the page (markViewer).
const ideaColumns = `i.id, i.title, i.body, i.body_html, i.body_text, i.category_id, c.slug AS category, c.name AS category_name,
	i.tags, i.author_id, CASE WHEN u.deleted_at IS NULL THEN u.name ELSE 'deleted user' END AS author_name,
	i.status, i.moderation, i.moderation_reason, i.merged_into_id, i.comments_locked, i.vote_count, i.comment_count, i.follower_count, i.score,
	i.staff_status_at, i.deleted_at, i.created_at, i.updated_at`

const ideaFrom = ` FROM ideas i JOIN categories c ON c.id = i.category_id JOIN users u ON u.id = i.author_id`

func viewerID(u *User) int64 {
	if u == nil {
		return 0
	}
	return u.ID
}

// canSee reports whether viewer may see idea: everyone sees visible ideas,
// authors their own pending or hidden ones, staff everything.
func canSee(viewer *User, i *Idea) bool {
	if viewer.IsStaff() {
		return true
	}
	if i.DeletedAt != nil {
		return false
	}
	return i.Moderation == "visible" || (viewer != nil && viewer.ID == i.AuthorID)
}

// IdeaByID loads one idea as viewer sees it; ideas they may not see are
// not found. Merged ideas load normally so callers can redirect.
func IdeaByID(ctx context.Context, db *gorm.DB, viewer *User, id int64) (*Idea, error) {
	var ideas []Idea
	err := db.WithContext(ctx).Raw(`SELECT `+ideaSelect+ideaFrom+` WHERE i.id = @id`,
		map[string]any{"viewer": viewerID(viewer), "id": id}).Scan(&ideas).Error
	if err != nil {
		return nil, err
	}
	if len(ideas) == 0 || !canSee(viewer, &ideas[0]) {
		return nil, NotFound("We couldn't find that idea. It may have been removed.")
	}
	return &ideas[0], nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
