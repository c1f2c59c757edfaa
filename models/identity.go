package models

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Identity ties a provider account to a user.
type Identity struct {
	ID             int64
	UserID         int64
	Provider       string
	ProviderUserID string
	Email          *string
	CreatedAt      time.Time
}

// Profile is what a provider told us about the person signing in.
type Profile struct {
	Provider       string
	ProviderUserID string
	Email          string
	EmailVerified  bool
	Name           string
	Nickname       string
	AvatarURL      string
	// ClientIP is the address the sign-in came from: a sign-in that creates
	// an account counts against signups_per_ip_per_hour for it. Empty
	// (seeding, tests) counts nothing; the HTTP handlers always set it.
	ClientIP string
}

// ErrEmailTaken is returned when a new provider identity carries the email of
// an existing account: we never link by email, because a provider that lets
// people claim any address would hand over the account.
var ErrEmailTaken = &Problem{Kind: ErrConflict, Message: "An account with this email address already exists. " +
	"Sign in with the provider you used before, then link this one from your settings."}

func emailPtr(email string) *string {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil
	}
	return &email
}

// verifiedEmail is the profile's email if the provider vouches for it.
func verifiedEmail(p Profile) *string {
	if !p.EmailVerified {
		return nil
	}
	return emailPtr(p.Email)
}

// SignIn finds the user behind a provider identity or creates one. Verified
// emails listed in adminEmails make the user an admin.
func SignIn(ctx context.Context, db *gorm.DB, p Profile, adminEmails []string) (*User, error) {
	if p.Provider == "" || p.ProviderUserID == "" {
		return nil, errors.New("sign-in: provider returned no user id")
	}
	var user User
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var ident Identity
		err := tx.Where("provider = ? AND provider_user_id = ?", p.Provider, p.ProviderUserID).Take(&ident).Error
		switch {
		case err == nil:
			if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&user, ident.UserID).Error; err != nil {
				return err
			}
			if p.AvatarURL != "" && p.AvatarURL != user.AvatarURL && safeAvatar(p.AvatarURL) {
				user.AvatarURL = p.AvatarURL
				if err := tx.Model(&user).Update("avatar_url", p.AvatarURL).Error; err != nil {
					return err
				}
			}
		case errors.Is(err, gorm.ErrRecordNotFound):
			// Only an address the provider vouches for is kept, and only a
			// kept (verified) address blocks another account: an unverified
			// claim reserves nothing, so it cannot squat anyone's address.
			email := verifiedEmail(p)
			if email != nil {
				var taken int64
				if err := tx.Model(&User{}).Where("lower(email) = lower(?) AND email_verified AND deleted_at IS NULL", *email).
					Count(&taken).Error; err != nil {
					return err
				}
				if taken > 0 {
					return ErrEmailTaken
				}
			}
			if p.ClientIP != "" {
				if err := checkSignup(tx, p.ClientIP); err != nil {
					return err
				}
			}
			name, err := newAccountName(tx, p, adminEmails)
			if err != nil {
				return err
			}
			// A contact staff voted for becomes this person, with the
			// votes cast for them: only a placeholder, only by a verified email.
			var placeholder *User
			if email != nil {
				if placeholder, err = takeOverPlaceholder(tx, *email, name, p.AvatarURL); err != nil {
					return err
				}
			}
			if placeholder != nil {
				user = *placeholder
			} else {
				user = User{
					Name:          name,
					Email:         email,
					EmailVerified: email != nil,
					Role:          RoleMember,
				}
				if safeAvatar(p.AvatarURL) {
					user.AvatarURL = p.AvatarURL
				}
				if err := tx.Omit("CreatedAt", "UpdatedAt", "DeletedAt").Create(&user).Error; err != nil {
					return err
				}
			}
			ident = Identity{UserID: user.ID, Provider: p.Provider, ProviderUserID: p.ProviderUserID, Email: emailPtr(p.Email)}
			if err := tx.Omit("CreatedAt").Create(&ident).Error; err != nil {
				if errors.Is(err, gorm.ErrDuplicatedKey) {
					return Conflict("This sign-in is already in progress; please try again.")
				}
				return err
			}
		default:
			return err
		}
		return promoteAdmin(tx, &user, p, adminEmails)
	})
	if err != nil {
		return nil, err
	}
	return &user, nil
}

// promoteAdmin applies CROWDWISE_ADMIN_EMAILS: only a verified email counts.
func promoteAdmin(tx *gorm.DB, user *User, p Profile, adminEmails []string) error {
	if user.Role == RoleAdmin || !isAdminEmail(p, adminEmails) {
		return nil
	}
	before := user.Role
	user.Role = RoleAdmin
	if err := tx.Model(user).Update("role", RoleAdmin).Error; err != nil {
		return err
	}
	// As with any role change, older sessions end; the caller starts a fresh one.
	if err := tx.Where("user_id = ?", user.ID).Delete(&Session{}).Error; err != nil {
		return err
	}
	return audit(tx, nil, "user.role", "user", user.ID, map[string]string{"role": before},
		map[string]string{"role": RoleAdmin, "reason": "CROWDWISE_ADMIN_EMAILS"})
}

// isAdminEmail: the profile's verified email is in CROWDWISE_ADMIN_EMAILS.
func isAdminEmail(p Profile, adminEmails []string) bool {
	if !p.EmailVerified || p.Email == "" {
		return false
	}
	for _, a := range adminEmails {
		if strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(p.Email)) {
			return true
		}
	}
	return false
}

// safeAvatar accepts only https image URLs; anything else is dropped.
func safeAvatar(u string) bool {
	return strings.HasPrefix(u, "https://") && len(u) <= 2000 && !strings.ContainsAny(u, "\"'<> ")
}

// LinkIdentity adds another provider to a signed-in user.
func LinkIdentity(ctx context.Context, db *gorm.DB, userID int64, p Profile) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var live int64
		if err := tx.Model(&User{}).Where("id = ? AND deleted_at IS NULL", userID).Count(&live).Error; err != nil {
			return err
		}
		if live == 0 {
			return NotFound("That account no longer exists.")
		}
		var existing Identity
		err := tx.Where("provider = ? AND provider_user_id = ?", p.Provider, p.ProviderUserID).Take(&existing).Error
		if err == nil {
			if existing.UserID == userID {
				return nil
			}
			return Conflict("That account is already linked to another Crowdwise user.")
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		ident := Identity{UserID: userID, Provider: p.Provider, ProviderUserID: p.ProviderUserID, Email: emailPtr(p.Email)}
		return tx.Omit("CreatedAt").Create(&ident).Error
	})
}

// UnlinkIdentity removes one provider from a user, never the last one.
func UnlinkIdentity(ctx context.Context, db *gorm.DB, userID, identityID int64) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Lock the user so two concurrent unlinks cannot remove the last two.
		if err := tx.Exec(`SELECT 1 FROM users WHERE id = ? FOR UPDATE`, userID).Error; err != nil {
			return err
		}
		var count int64
		if err := tx.Model(&Identity{}).Where("user_id = ?", userID).Count(&count).Error; err != nil {
			return err
		}
		res := tx.Where("id = ? AND user_id = ?", identityID, userID).Delete(&Identity{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return NotFound("No such linked account.")
		}
		if count <= 1 {
			return Conflict("You can't remove your only way to sign in.")
		}
		return nil
	})
}

// IdentitiesOf lists the providers a user can sign in with.
func IdentitiesOf(ctx context.Context, db *gorm.DB, userID int64) ([]Identity, error) {
	var ids []Identity
	err := db.WithContext(ctx).Where("user_id = ?", userID).Order("created_at, id").Find(&ids).Error
	return ids, err
}

// DevProvider names identities made by dev sign-in (development only): the
// email is the identity there, and counts as verified.
const DevProvider = "dev"

// DevSignIn signs in by email alone; the HTTP layer only offers it when
// CROWDWISE_DEV_LOGIN is on, which production refuses.
func DevSignIn(ctx context.Context, db *gorm.DB, email, name string, adminEmails []string) (*User, error) {
	p, err := DevProfile(email, name)
	if err != nil {
		return nil, err
	}
	return SignIn(ctx, db, p, adminEmails)
}

// DevProfile validates a dev sign-in form and returns the profile to sign in
// with; the handler adds the client address and calls SignIn.
func DevProfile(email, name string) (Profile, error) {
	v := &ValidationError{}
	email = strings.TrimSpace(email)
	if at := strings.LastIndex(email, "@"); at < 1 || at == len(email)-1 || len(email) > 254 || strings.ContainsAny(email, " \t\r\n<>\"") {
		v.Add("email", "Please enter an email address like name@example.com.")
	}
	if strings.TrimSpace(name) != "" {
		var err error
		if name, err = ValidateName(name); err != nil {
			v.Add("name", err.(*ValidationError).Fields["name"])
		}
	}
	if err := v.Err(); err != nil {
		return Profile{}, err
	}
	return Profile{
		Provider: DevProvider, ProviderUserID: strings.ToLower(email),
		Email: email, EmailVerified: true, Name: name,
	}, nil
}
