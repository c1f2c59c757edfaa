package models

import (
	"strings"

	"gorm.io/gorm"
)

// Names that would let a member pass for the company: role words, badge
// marks, and anything that looks like a staff member's name. Staff may use
// role words (they speak for the company) and keep their own name; nobody
// may take a name that looks like another staff member's.

// roleWords are compared on skeletons, as whole words, as two adjacent words
// ("Product Manager") and as the whole name with its word breaks dropped
// ("A.d.m.i.n").
var roleWords = skeletons("admin", "admins", "administrator", "administrators", "administration", "sysadmin",
	"moderator", "moderators", "mod", "mods", "staff", "team", "crowdwise", "official", "support", "helpdesk",
	"productmanager", "productmanagers", "productteam", "communitymanager", "communityteam")

func skeletons(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[nameSkeleton(w)] = true
	}
	return m
}

// badgeMarks imitate the badge staff carry next to their name.
const badgeMarks = "✓✔☑✅🗸√⍻"

const (
	msgRoleName  = "That name is kept for the Crowdwise team. Please choose another."
	msgBadgeName = "Names can't contain marks like ✓ that look like a badge."
	msgStaffName = "That name is too close to a team member's name. Please choose another."
)

// roleLike reports whether a name reads as a role or the company.
func roleLike(name string) bool {
	words := nameWords(name)
	var all strings.Builder
	for i, w := range words {
		all.WriteString(w.full)
		if roleWords[w.full] || roleWords[w.bare] {
			return true
		}
		if i > 0 && (roleWords[words[i-1].full+w.full] || roleWords[words[i-1].full+w.bare]) {
			return true
		}
	}
	return roleWords[all.String()]
}

// nameProblem says why userID (0 for an account not yet created) may not
// take name, or "" when it may. staff is whether that person is staff.
func nameProblem(tx *gorm.DB, userID int64, staff bool, name string) (string, error) {
	if !staff && strings.ContainsAny(name, badgeMarks) {
		return msgBadgeName, nil
	}
	if !staff && roleLike(name) {
		return msgRoleName, nil
	}
	skel := nameSkeleton(name)
	if skel == "" {
		return "", nil
	}
	// Staff are few (users_role_idx): compare each skeleton here.
	var names []string
	if err := tx.Raw(`SELECT name FROM users WHERE role <> ? AND deleted_at IS NULL AND id <> ?`, RoleMember, userID).
		Scan(&names).Error; err != nil {
		return "", err
	}
	for _, n := range names {
		if nameSkeleton(n) == skel {
			return msgStaffName, nil
		}
	}
	return "", nil
}

// checkName is nameProblem as a validation error on the "name" field.
func checkName(tx *gorm.DB, user *User, name string) error {
	msg, err := nameProblem(tx, user.ID, user.IsStaff(), name)
	if err != nil || msg == "" {
		return err
	}
	v := &ValidationError{}
	v.Add("name", msg)
	return v
}

// newAccountName picks the first usable name a provider offered for a new
// account; a sign-in never fails over a name, it falls back to "Member".
func newAccountName(tx *gorm.DB, p Profile, adminEmails []string) (string, error) {
	candidates := cleanNames(p.Name, p.Nickname, strings.Split(p.Email, "@")[0])
	if p.Provider == DevProvider {
		// Dev sign-in (off in production) lets anyone be anyone: there is
		// no name to protect, and demos and tests may use any.
		if len(candidates) > 0 {
			return candidates[0], nil
		}
		return "Member", nil
	}
	staff := isAdminEmail(p, adminEmails) // promoted right after creation
	for _, c := range candidates {
		msg, err := nameProblem(tx, 0, staff, c)
		if err != nil {
			return "", err
		}
		if msg == "" {
			return c, nil
		}
	}
	return "Member", nil
}
