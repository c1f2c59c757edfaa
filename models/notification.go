package models

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Notification kinds: the events a member hears about.
const (
	KindStatusChange = "status_change" // an idea they follow or voted for changed status
	KindReply        = "reply"         // someone replied to their comment
	KindComment      = "comment"       // someone commented on an idea they follow
	KindMerged       = "merged"        // their idea was merged into another
	KindHidden       = "hidden"        // a moderator hid their idea or comment
	KindUnmerged     = "unmerged"      // a merge of their idea, or of one they follow, was undone
	KindEdited       = "edited"        // a moderator edited their idea's title, category or tags
	// KindWebhookDisabled tells admins, in the app only, that a receiver
	// answered 410 Gone. Not a member's choice: not in NotificationKinds
	// or DefaultModes (no default mode means no email).
	KindWebhookDisabled = "webhook_disabled"
)

// NotificationKinds lists every kind in the order settings show them.
var NotificationKinds = []string{KindStatusChange, KindReply, KindComment, KindMerged, KindUnmerged, KindHidden, KindEdited}

// Delivery modes per member and kind.
const (
	ModeImmediate = "immediate" // an email per event, within seconds
	ModeDigest    = "digest"    // collected into one daily email
	ModeOff       = "off"       // in-app only
)

// NotificationModes lists the modes in the order settings show them.
var NotificationModes = []string{ModeImmediate, ModeDigest, ModeOff}

// DefaultModes apply until a member chooses otherwise: events about the
// member's own content or about a decision they waited for come at once;
// other people's comments, which can be many, come in the daily digest.
var DefaultModes = map[string]string{
	KindStatusChange: ModeImmediate,
	KindReply:        ModeImmediate,
	KindComment:      ModeDigest,
	KindMerged:       ModeImmediate,
	KindHidden:       ModeImmediate,
	KindUnmerged:     ModeImmediate,
	KindEdited:       ModeImmediate,
}

var kindLabels = map[string]string{
	KindStatusChange:    "Status changes on ideas you follow or voted for",
	KindReply:           "Replies to your comments",
	KindComment:         "New comments on ideas you follow",
	KindMerged:          "Your idea merged into another",
	KindHidden:          "Your idea or comment hidden by a moderator",
	KindUnmerged:        "A merge undone, of your idea or one you follow",
	KindEdited:          "Your idea's title, category or tags edited by a moderator",
	KindWebhookDisabled: "A webhook disabled after its receiver answered 410 Gone",
}

// KindLabel describes a kind for settings and email footers.
func KindLabel(kind string) string {
	if l, ok := kindLabels[kind]; ok {
		return l
	}
	return kind
}

// modeSQL is the effective mode of a notifications row n joined with its
// preference p: the stored choice, or the kind's default. Built from
// DefaultModes so Go and SQL cannot disagree.
func modeSQL(n, p string) string {
	kinds := make([]string, 0, len(DefaultModes))
	for k := range DefaultModes {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var b strings.Builder
	b.WriteString("coalesce(" + p + ".mode, CASE " + n + ".kind")
	for _, k := range kinds {
		b.WriteString(" WHEN '" + k + "' THEN '" + DefaultModes[k] + "'")
	}
	b.WriteString(" END)")
	return b.String()
}

// Notification is one entry in a member's bell.
type Notification struct {
	ID        int64
	UserID    int64
	Kind      string
	IdeaID    *int64
	CommentID *int64
	ActorID   *int64
	Title     string
	Body      string
	URL       string
	ReadAt    *time.Time
	EmailedAt *time.Time
	CreatedAt time.Time
}

// Unread reports whether the member has not marked it read.
func (n Notification) Unread() bool { return n.ReadAt == nil }

// NotificationPage is one page of a member's notifications, newest first.
type NotificationPage struct {
	Items []Notification
	Page  Page
}

// NotificationsOf lists a member's notifications, newest first.
func NotificationsOf(ctx context.Context, db *gorm.DB, userID int64, p Page) (*NotificationPage, error) {
	db = db.WithContext(ctx)
	out := &NotificationPage{Page: p}
	// One row beyond the page says whether another follows; the total is
	// counted only as far as CountCap, as the idea lists do.
	err := db.Raw(`SELECT * FROM notifications WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
		userID, p.PerPage+1, p.Offset()).Scan(&out.Items).Error
	if err != nil {
		return nil, err
	}
	if len(out.Items) > p.PerPage {
		out.Items, out.Page.More = out.Items[:p.PerPage], true
	}
	if err := countList(db, &out.Page, "notifications n", "n.user_id = @user", map[string]any{"user": userID}, len(out.Items), false); err != nil {
		return nil, err
	}
	return out, nil
}

// BellCap is how far the bell counts unread notifications: it shows "99+"
// past 99, and a member who follows busy ideas may have thousands.
const BellCap = 100

// unreadCount is the bell's count as a scalar subquery on user id expr,
// index-only on notifications_unread_idx and at most BellCap.
func unreadCount(user string) string {
	return `(SELECT count(*) FROM (SELECT 1 FROM notifications n WHERE n.user_id = ` + user + ` AND n.read_at IS NULL LIMIT ` +
		strconv.Itoa(BellCap) + `) unread)`
}

// UnreadCount is the number on the bell, up to BellCap.
func UnreadCount(ctx context.Context, db *gorm.DB, userID int64) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Raw(`SELECT `+unreadCount("?"), userID).Scan(&n).Error
	return n, err
}

// MarkRead marks one of the member's notifications read; marking it twice
// is fine, someone else's is not found.
func MarkRead(ctx context.Context, db *gorm.DB, userID, id int64) error {
	var found []int64
	err := db.WithContext(ctx).Raw(`UPDATE notifications SET read_at = coalesce(read_at, now())
		WHERE id = ? AND user_id = ? RETURNING id`, id, userID).Scan(&found).Error
	if err != nil {
		return err
	}
	if len(found) == 0 {
		return NotFound("We couldn't find that notification.")
	}
	return nil
}

// MarkAllRead marks every unread notification of the member read.
func MarkAllRead(ctx context.Context, db *gorm.DB, userID int64) (int64, error) {
	res := db.WithContext(ctx).Exec(`UPDATE notifications SET read_at = now() WHERE user_id = ? AND read_at IS NULL`, userID)
	return res.RowsAffected, res.Error
}

// NotificationPrefsOf returns the member's mode for every kind, defaults
// filled in.
func NotificationPrefsOf(ctx context.Context, db *gorm.DB, userID int64) (map[string]string, error) {
	var rows []struct{ Kind, Mode string }
	if err := db.WithContext(ctx).Raw(`SELECT kind, mode FROM notification_prefs WHERE user_id = ?`, userID).Scan(&rows).Error; err != nil {
		return nil, err
	}
	prefs := make(map[string]string, len(DefaultModes))
	for k, m := range DefaultModes {
		prefs[k] = m
	}
	for _, r := range rows {
		prefs[r.Kind] = r.Mode
	}
	return prefs, nil
}

// notificationPref is one row of notification_prefs.
type notificationPref struct {
	UserID int64
	Kind   string
	Mode   string
}

func (notificationPref) TableName() string { return "notification_prefs" }

// SetNotificationPrefs stores a mode for every kind; a missing kind or an
// unknown mode is a field error keyed by the kind, and nothing is saved.
func SetNotificationPrefs(ctx context.Context, db *gorm.DB, userID int64, modes map[string]string) error {
	v := &ValidationError{}
	rows := make([]notificationPref, 0, len(NotificationKinds))
	for _, k := range NotificationKinds {
		m := modes[k]
		if !contains(NotificationModes, m) {
			v.Add(k, "Choose email at once, daily digest or in-app only.")
			continue
		}
		rows = append(rows, notificationPref{userID, k, m})
	}
	for k := range modes {
		if !contains(NotificationKinds, k) {
			v.Add(k, "Unknown kind of notification.")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	return db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}, {Name: "kind"}},
		DoUpdates: clause.AssignmentColumns([]string{"mode"}),
	}).Create(&rows).Error
}

// unsubscribeDigest is the pseudo-kind in a digest's unsubscribe link: it
// turns off every kind the member receives in the digest.
const unsubscribeDigest = "digest"

// UnsubscribeToken signs (user, kind) with the session secret, so an email's
// unsubscribe link works without signing in and cannot be forged for
// someone else. Tokens do not expire: old emails keep working.
func UnsubscribeToken(secret []byte, userID int64, kind string) string {
	return strconv.FormatInt(userID, 10) + "." + kind + "." + base64.RawURLEncoding.EncodeToString(unsubscribeMAC(secret, userID, kind))
}

func unsubscribeMAC(secret []byte, userID int64, kind string) []byte {
	m := hmac.New(sha256.New, secret)
	// A purpose prefix keeps this MAC from matching any other use of the
	// same secret.
	m.Write([]byte("crowdwise/unsubscribe\x00" + strconv.FormatInt(userID, 10) + "\x00" + kind))
	return m.Sum(nil)
}

var errBadUnsubscribe = &Problem{Kind: ErrBadRequest,
	Message: "This unsubscribe link is not valid. Sign in and change your notification settings instead."}

// ParseUnsubscribeToken checks a token and returns what it unsubscribes.
func ParseUnsubscribeToken(secret []byte, token string) (userID int64, kind string, err error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(token) > 200 {
		return 0, "", errBadUnsubscribe
	}
	userID, err = strconv.ParseInt(parts[0], 10, 64)
	kind = parts[1]
	if err != nil || userID <= 0 || (!contains(NotificationKinds, kind) && kind != unsubscribeDigest) {
		return 0, "", errBadUnsubscribe
	}
	mac, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(mac, unsubscribeMAC(secret, userID, kind)) {
		return 0, "", errBadUnsubscribe
	}
	return userID, kind, nil
}

// UnsubscribeLabel says what a token's kind stops, for the confirm page.
func UnsubscribeLabel(kind string) string {
	if kind == unsubscribeDigest {
		return "The daily digest"
	}
	return KindLabel(kind)
}

// Unsubscribe turns off the email a token names: one kind, or for a digest
// token every kind currently in the digest. In-app notifications continue.
// Unsubscribing twice is fine.
func Unsubscribe(ctx context.Context, db *gorm.DB, secret []byte, token string) (kind string, err error) {
	userID, kind, err := ParseUnsubscribeToken(secret, token)
	if err != nil {
		return "", err
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		kinds := []string{kind}
		if kind == unsubscribeDigest {
			kinds = nil
			var prefs []struct{ Kind, Mode string }
			if err := tx.Raw(`SELECT kind, mode FROM notification_prefs WHERE user_id = ? FOR UPDATE`, userID).Scan(&prefs).Error; err != nil {
				return err
			}
			mode := map[string]string{}
			for k, m := range DefaultModes {
				mode[k] = m
			}
			for _, p := range prefs {
				mode[p.Kind] = p.Mode
			}
			for _, k := range NotificationKinds {
				if mode[k] == ModeDigest {
					kinds = append(kinds, k)
				}
			}
		}
		for _, k := range kinds {
			// Selecting from users skips ids that no longer exist instead
			// of failing on the foreign key.
			if err := tx.Exec(`INSERT INTO notification_prefs (user_id, kind, mode) SELECT id, ?, 'off' FROM users WHERE id = ?
				ON CONFLICT (user_id, kind) DO UPDATE SET mode = 'off'`, k, userID).Error; err != nil {
				return err
			}
		}
		return nil
	})
	return kind, err
}
