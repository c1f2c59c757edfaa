package models

import (
	"context"
	"encoding/json"

	"time"

	"gorm.io/gorm"
)

// maxMergeChain bounds how far a merge chain is followed.
const maxMergeChain = 20

// mergeUndo is everything a merge moved, kept in merges.undo and in the
// audit entry, so that unmerge restores the source exactly.
type mergeUndo struct {
	SourceStatus   string         `json:"source_status"`
	SourceStaffAt  *time.Time     `json:"source_staff_status_at"`
	MovedVotes     []movedRow     `json:"moved_votes"`     // now on the target, merged_from_id = source
	DroppedVotes   []droppedRow   `json:"dropped_votes"`   // voters of both: their source vote
	MovedFollows   []movedRow     `json:"moved_follows"`   // likewise for follows
	DroppedFollows []droppedRow   `json:"dropped_follows"` //
	MovedComments  []movedComment `json:"moved_comments"`  // with their previous origin marker
	MovedBacklog   []int64        `json:"moved_backlog"`   // backlog items now on the target
	MovedLinks     []movedLink    `json:"moved_links"`     // account links, as votes
	DroppedLinks   []droppedLink  `json:"dropped_links"`   // accounts linked to both: the source link
}

type movedRow struct {
	UserID   int64  `json:"user_id"`
	PrevFrom *int64 `json:"prev_from"`
}

type droppedRow struct {
	UserID    int64     `json:"user_id"`
	CreatedAt time.Time `json:"created_at"`
	PrevFrom  *int64    `json:"prev_from"`
	// CastByID is the staff member who cast a dropped proxy vote.
	CastByID *int64 `json:"cast_by_id,omitempty"`
}

type movedComment struct {
	ID         int64  `json:"id"`
	PrevOrigin *int64 `json:"prev_origin"`
}

// MergePreview says what a merge would do, before staff confirm it.
type MergePreview struct {
	Source       *Idea
	Target       *Idea
	VotesMoving  int64 // source votes that move to the target
	VotersInBoth int64 // counted once after the merge
	Comments     int64
	Followers    int64
}

// resolveTarget follows merged_into_id from id to the idea that is not
// merged, refusing chains that lead back to source (a cycle).
func resolveTarget(tx *gorm.DB, sourceID, id int64) (int64, error) {
	for hops := 0; hops < maxMergeChain; hops++ {
		if id == sourceID {
			if hops == 0 {
				return 0, Conflict("An idea cannot be merged into itself.")
			}
			return 0, Conflict("That idea was merged into this one; merging back would make a cycle.")
		}
		var rows []struct{ MergedIntoID *int64 }
		if err := tx.Raw(`SELECT merged_into_id FROM ideas WHERE id = ?`, id).Scan(&rows).Error; err != nil {
			return 0, err
		}
		if len(rows) == 0 {
			return 0, NotFound("We couldn't find the idea to merge into.")
		}
		if rows[0].MergedIntoID == nil {
			return id, nil
		}
		id = *rows[0].MergedIntoID
	}
	return 0, Conflict("That idea's merge chain is too long.")
}

// PreviewMerge shows what merging source into target would move.
func PreviewMerge(ctx context.Context, db *gorm.DB, actor *User, sourceID, intoID int64) (*MergePreview, error) {
	if !actor.HasRole(RoleModerator) {
		return nil, Forbidden("Only moderators can merge ideas.")
	}
	db = db.WithContext(ctx)
	targetID, err := resolveTarget(db, sourceID, intoID)
	if err != nil {
		return nil, err
	}
	p := &MergePreview{}
	if p.Source, err = IdeaByID(ctx, db, actor, sourceID); err != nil {
		return nil, err
	}
	if p.Target, err = IdeaByID(ctx, db, actor, targetID); err != nil {
		return nil, err
	}
	var counts struct{ VotesMoving, VotersInBoth, Comments, Followers int64 }
	err = db.Raw(`SELECT
		(SELECT count(*) FROM votes s WHERE s.idea_id = @s AND NOT EXISTS (SELECT 1 FROM votes t WHERE t.idea_id = @t AND t.user_id = s.user_id)) AS votes_moving,
		(SELECT count(*) FROM votes s JOIN votes t ON t.user_id = s.user_id AND t.idea_id = @t WHERE s.idea_id = @s) AS voters_in_both,
		(SELECT count(*) FROM comments WHERE idea_id = @s AND deleted_at IS NULL) AS comments,
		(SELECT count(*) FROM follows WHERE idea_id = @s) AS followers`,
		map[string]any{"s": sourceID, "t": targetID}).Scan(&counts).Error
	p.VotesMoving, p.VotersInBoth, p.Comments, p.Followers = counts.VotesMoving, counts.VotersInBoth, counts.Comments, counts.Followers
	return p, err
}

// Merge folds source into the idea intoID resolves to: one vote per member
// (voters of both count once), comments with an "originally on" marker,
// followers; the source becomes "merged" and redirects. One transaction,
// both ideas locked in id order, counters recomputed, audit entry with the
// undo data. Returns the target.
func Merge(ctx context.Context, db *gorm.DB, actor *User, sourceID, intoID int64) (*Idea, error) {
	if !actor.HasRole(RoleModerator) {
		return nil, Forbidden("Only moderators can merge ideas.")
	}
	var targetID int64
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if targetID, err = resolveTarget(tx, sourceID, intoID); err != nil {
			return err
		}
		source, target, err := lockPair(tx, sourceID, targetID)
		if err != nil {
			return err
		}
		// Re-check under the locks: a concurrent merge may have moved either.
		if source.MergedIntoID != nil {
			return Conflict("This idea has already been merged.")
		}
		if target.MergedIntoID != nil {
			return Conflict("The target idea was merged meanwhile; please try again.")
		}
		if source.DeletedAt != nil || target.DeletedAt != nil {
			return Conflict("Deleted ideas cannot be merged.")
		}
		undo := mergeUndo{SourceStatus: source.Status, SourceStaffAt: source.StaffStatusAt}
		if undo.DroppedVotes, undo.MovedVotes, err = moveRows(tx, "votes", sourceID, targetID); err != nil {
			return err
		}
		if undo.DroppedFollows, undo.MovedFollows, err = moveRows(tx, "follows", sourceID, targetID); err != nil {
			return err
		}
		if undo.DroppedLinks, undo.MovedLinks, err = moveLinks(tx, sourceID, targetID); err != nil {
			return err
		}
		if err := tx.Raw(`UPDATE comments n SET idea_id = @t, origin_idea_id = coalesce(n.origin_idea_id, @s)
			FROM comments o WHERE o.id = n.id AND n.idea_id = @s RETURNING n.id, o.origin_idea_id AS prev_origin`,
			map[string]any{"s": sourceID, "t": targetID}).Scan(&undo.MovedComments).Error; err != nil {
			return err
		}
		if undo.MovedBacklog, err = moveBacklog(tx, sourceID, targetID); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE ideas SET status = 'merged', merged_into_id = ?, updated_at = now() WHERE id = ?`,
			targetID, sourceID).Error; err != nil {
			return err
		}
		if err := recount(tx, sourceID, targetID); err != nil {
			return err
		}
		raw, err := json.Marshal(undo)
		if err != nil {
			return err
		}
		var mergeID int64
		if err := tx.Raw(`INSERT INTO merges (source_id, target_id, actor_id, undo) VALUES (?, ?, ?, ?) RETURNING id`,
			sourceID, targetID, actor.ID, string(raw)).Scan(&mergeID).Error; err != nil {
			return err
		}
		if err := audit(tx, actor, "idea.merge", "idea", sourceID, map[string]any{"status": source.Status},
			map[string]any{"merged_into_id": targetID, "undo": undo}); err != nil {
			return err
		}
		if err := notifyMerged(tx, source, target, actor, mergeID); err != nil {
			return err
		}
		return recordMergeEvent(tx, EventIdeaMerged, source, targetID)
	})
	if err != nil {
		return nil, err
	}
	return IdeaByID(ctx, db, actor, targetID)
}

// lockPair locks two ideas in id order, so two merges touching the same
// ideas cannot deadlock, and returns them as (a, b).
func lockPair(tx *gorm.DB, a, b int64) (*Idea, *Idea, error) {
	first, second := a, b
	if second < first {
		first, second = second, first
	}
	x, err := lockIdea(tx, first)
	if err != nil {
		return nil, nil, err
	}
	y, err := lockIdea(tx, second)
	if err != nil {
		return nil, nil, err
	}
	if x.ID == a {
		return x, y, nil
	}
	return y, x, nil
}

// moveRows moves a table's (votes or follows) rows from source to target:
// members on both keep their target row and their source row is dropped.
func moveRows(tx *gorm.DB, table string, sourceID, targetID int64) ([]droppedRow, []movedRow, error) {
	var dropped []droppedRow
	castBy := ""
	if table == "votes" {
		castBy = ", s.cast_by_id" // a proxy vote comes back as one
	}
	err := tx.Raw(`DELETE FROM `+table+` s USING `+table+` t
		WHERE s.idea_id = @s AND t.idea_id = @t AND t.user_id = s.user_id
		RETURNING s.user_id, s.created_at, s.merged_from_id AS prev_from`+castBy,
		map[string]any{"s": sourceID, "t": targetID}).Scan(&dropped).Error
	if err != nil {
		return nil, nil, err
	}
	var moved []movedRow
	err = tx.Raw(`UPDATE `+table+` n SET idea_id = @t, merged_from_id = @s FROM `+table+` o
		WHERE o.idea_id = n.idea_id AND o.user_id = n.user_id AND n.idea_id = @s
		RETURNING n.user_id, o.merged_from_id AS prev_from`,
		map[string]any{"s": sourceID, "t": targetID}).Scan(&moved).Error
	return dropped, moved, err
}

// recount sets the stored counters and trending score of ideas from their
// rows; used where rows move between ideas (merge, unmerge).
func recount(tx *gorm.DB, ids ...int64) error {
	return tx.Exec(`UPDATE ideas i SET
		vote_count = (SELECT count(*) FROM votes v WHERE v.idea_id = i.id),
		follower_count = (SELECT count(*) FROM follows f WHERE f.idea_id = i.id),
		comment_count = (SELECT count(*) FROM comments c WHERE c.idea_id = i.id
			AND c.deleted_at IS NULL AND c.moderation = 'visible' AND NOT c.staff_only),
		score = cw_trend_score(i.id)
		WHERE i.id IN ?`, ids).Error
}

// Unmerge restores a merged source idea exactly as it was: its votes,
// comments, followers and status. Votes members cast on the target after
// the merge stay on the target. Returns the restored source.
func Unmerge(ctx context.Context, db *gorm.DB, actor *User, sourceID int64) (*Idea, error) {
	if !actor.HasRole(RoleModerator) {
		return nil, Forbidden("Only moderators can unmerge ideas.")
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var m struct {
			ID       int64
			TargetID int64
			Undo     []byte
		}
		res := tx.Raw(`SELECT id, target_id, undo FROM merges WHERE source_id = ? AND undone_at IS NULL`, sourceID).Scan(&m)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return Conflict("This idea is not merged.")
		}
		var undo mergeUndo
		if err := json.Unmarshal(m.Undo, &undo); err != nil {
			return err
		}
		source, target, err := lockPair(tx, sourceID, m.TargetID)
		if err != nil {
			return err
		}
		if target.MergedIntoID != nil {
			return Conflict("The idea this was merged into has itself been merged; unmerge that first.")
		}
		args := map[string]any{"s": sourceID, "t": m.TargetID}
		for _, table := range []string{"votes", "follows"} {
			moved, dropped := undo.MovedVotes, undo.DroppedVotes
			if table == "follows" {
				moved, dropped = undo.MovedFollows, undo.DroppedFollows
			}
			for _, r := range moved {
				if err := tx.Exec(`UPDATE `+table+` SET idea_id = @s, merged_from_id = @prev
					WHERE idea_id = @t AND user_id = @u AND merged_from_id = @s`,
					withArgs(args, "u", r.UserID, "prev", r.PrevFrom)).Error; err != nil {
					return err
				}
			}
			// Members who deleted their account since have no votes or
			// follows left to restore.
			for _, r := range dropped {
				if table == "votes" {
					if err := tx.Exec(`INSERT INTO votes (idea_id, user_id, created_at, merged_from_id, cast_by_id)
						SELECT ?::bigint, u.id, ?::timestamptz, ?::bigint, ?::bigint FROM users u WHERE u.id = ? AND u.deleted_at IS NULL
						ON CONFLICT DO NOTHING`, sourceID, r.CreatedAt, r.PrevFrom, r.CastByID, r.UserID).Error; err != nil {
						return err
					}
					continue
				}
				if err := tx.Exec(`INSERT INTO `+table+` (idea_id, user_id, created_at, merged_from_id)
					SELECT ?::bigint, u.id, ?::timestamptz, ?::bigint FROM users u WHERE u.id = ? AND u.deleted_at IS NULL
					ON CONFLICT DO NOTHING`, sourceID, r.CreatedAt, r.PrevFrom, r.UserID).Error; err != nil {
					return err
				}
			}
		}
		if err := restoreLinks(tx, sourceID, m.TargetID, undo.MovedLinks, undo.DroppedLinks); err != nil {
			return err
		}
		if err := restoreComments(tx, sourceID, m.TargetID, undo.MovedComments); err != nil {
			return err
		}
		if err := restoreBacklog(tx, sourceID, m.TargetID, undo.MovedBacklog); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE ideas SET status = ?, merged_into_id = NULL, staff_status_at = ?, updated_at = now() WHERE id = ?`,
			undo.SourceStatus, undo.SourceStaffAt, sourceID).Error; err != nil {
			return err
		}
		if err := recount(tx, sourceID, m.TargetID); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE merges SET undone_at = now(), undone_by = ? WHERE id = ?`, actor.ID, m.ID).Error; err != nil {
			return err
		}
		if err := audit(tx, actor, "idea.unmerge", "idea", sourceID, map[string]any{"merged_into_id": m.TargetID},
			map[string]any{"status": undo.SourceStatus}); err != nil {
			return err
		}
		var followers []int64
		for _, r := range undo.MovedFollows {
			followers = append(followers, r.UserID)
		}
		for _, r := range undo.DroppedFollows {
			followers = append(followers, r.UserID)
		}
		if err := notifyUnmerged(tx, source, target, actor, m.ID, followers); err != nil {
			return err
		}
		return recordMergeEvent(tx, EventIdeaUnmerged, source, m.TargetID)
	})
	if err != nil {
		return nil, err
	}
	return IdeaByID(ctx, db, actor, sourceID)
}

// restoreComments moves the merged comments back with their old markers.
// Replies written on the target under a moved comment follow their thread
// (a reply always lives on its parent's idea).
func restoreComments(tx *gorm.DB, sourceID, targetID int64, moved []movedComment) error {
	if len(moved) == 0 {
		return nil
	}
	ids := make([]int64, len(moved))
	for i, c := range moved {
		ids[i] = c.ID
	}
	err := tx.Exec(`WITH RECURSIVE thread AS (
			SELECT id FROM comments WHERE id IN @ids AND idea_id = @t
			UNION SELECT c.id FROM comments c JOIN thread ON c.parent_id = thread.id WHERE c.idea_id = @t)
		UPDATE comments SET idea_id = @s WHERE id IN (SELECT id FROM thread)`,
		map[string]any{"ids": ids, "s": sourceID, "t": targetID}).Error
	if err != nil {
		return err
	}
	for _, c := range moved {
		if err := tx.Exec(`UPDATE comments SET origin_idea_id = ? WHERE id = ?`, c.PrevOrigin, c.ID).Error; err != nil {
			return err
		}
	}
	return nil
}

func withArgs(base map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(base)+len(kv)/2)
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// MergedSources lists ideas merged into id (active merges), for staff.
func MergedSources(ctx context.Context, db *gorm.DB, id int64) ([]Idea, error) {
	var out []Idea
	err := db.WithContext(ctx).Raw(`SELECT i.id, i.title, i.status, i.merged_into_id, i.created_at FROM ideas i
		JOIN merges m ON m.source_id = i.id AND m.undone_at IS NULL WHERE m.target_id = ? ORDER BY m.created_at`, id).Scan(&out).Error
	return out, err
}
