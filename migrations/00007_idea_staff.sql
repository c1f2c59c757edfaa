-- +goose Up

-- Moderators lock an idea's comments: members can no longer comment, reply
-- or edit there; staff still can. Who locked it and when is in the audit log.
ALTER TABLE ideas ADD COLUMN comments_locked boolean NOT NULL DEFAULT false;

-- A "your idea was merged" notification names its merge, so unmerging it
-- removes exactly the notifications that merge sent.
ALTER TABLE notifications ADD COLUMN merge_id bigint REFERENCES merges (id);
CREATE INDEX notifications_merge_idx ON notifications (merge_id) WHERE merge_id IS NOT NULL;

-- Two more kinds: a merge undone, and an idea edited by a moderator.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check,
    ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('status_change', 'reply', 'comment', 'merged', 'hidden', 'unmerged', 'edited'));
ALTER TABLE notification_prefs DROP CONSTRAINT notification_prefs_kind_check,
    ADD CONSTRAINT notification_prefs_kind_check
    CHECK (kind IN ('status_change', 'reply', 'comment', 'merged', 'hidden', 'unmerged', 'edited'));

-- +goose Down
DELETE FROM notification_prefs WHERE kind IN ('unmerged', 'edited');
DELETE FROM notifications WHERE kind IN ('unmerged', 'edited');
ALTER TABLE notification_prefs DROP CONSTRAINT notification_prefs_kind_check,
    ADD CONSTRAINT notification_prefs_kind_check
    CHECK (kind IN ('status_change', 'reply', 'comment', 'merged', 'hidden'));
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check,
    ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('status_change', 'reply', 'comment', 'merged', 'hidden'));
DROP INDEX notifications_merge_idx;
ALTER TABLE notifications DROP COLUMN merge_id;
ALTER TABLE ideas DROP COLUMN comments_locked;
