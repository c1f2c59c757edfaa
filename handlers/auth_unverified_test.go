package handlers

import (
	"context"
	"net/http"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/crowdwise/crowdwise/models"
)

// An email a provider does not vouch for reserves nothing: a squatter who
// signs in first with someone else's address (even an admin address) must
// not stop the verified owner from signing in, nor hold the address.
func TestUnverifiedEmailClaimReservesNothing(t *testing.T) {
	op := newOIDCProvider(t)
	app := newOIDCApp(t, op, func(o *Options) { o.AdminEmails = []string{"boss@example.com"} })

	squatter := app.client()
	oidcSignedIn(t, app, op, squatter, "/auth/oidc", mockoidc.MockUser{
		Subject: "evil|1", Email: "boss@example.com", EmailVerified: false, PreferredUsername: "squatter"}, "/")
	sq, _ := oidcMe(t, app, squatter)
	var stored models.User
	if err := app.db.Take(&stored, sq.ID).Error; err != nil {
		t.Fatal(err)
	}
	if stored.Email != nil || stored.EmailVerified || stored.Role != models.RoleMember {
		t.Errorf("squatter stored with email %v verified %v role %s, want no email, member", stored.Email, stored.EmailVerified, stored.Role)
	}

	// The verified owner, through the same provider under their own subject.
	owner := app.client()
	f := oidcSignIn(t, app, op, owner, "/auth/oidc", mockoidc.MockUser{
		Subject: "acme|boss", Email: "Boss@Example.com", EmailVerified: true, PreferredUsername: "boss"})
	if f.res.StatusCode != http.StatusFound {
		t.Fatalf("verified owner's sign-in = %d, want 302: %s", f.res.StatusCode, f.body)
	}
	me, _ := oidcMe(t, app, owner)
	if me == nil || me.ID == sq.ID || me.Role != models.RoleAdmin {
		t.Fatalf("verified owner signed in as %+v, want a new admin account (squatter is %d)", me, sq.ID)
	}

	// And through dev sign-in (verified by definition) with another address
	// a second squatter claimed first.
	oidcSignedIn(t, app, op, app.client(), "/auth/oidc", mockoidc.MockUser{
		Subject: "evil|2", Email: "dana@example.com", EmailVerified: false}, "/")
	dana := oidcDevSignIn(t, app, app.client(), "dana@example.com")
	var d models.User
	if err := app.db.Take(&d, dana.ID).Error; err != nil {
		t.Fatal(err)
	}
	if d.Email == nil || *d.Email != "dana@example.com" || !d.EmailVerified {
		t.Errorf("dana stored with email %v verified %v", d.Email, d.EmailVerified)
	}

	// Rows written before this rule (an unverified address on file) block
	// nobody either.
	if err := app.db.Exec(`INSERT INTO users (name, email, email_verified) VALUES ('old', 'erin@example.com', false)`).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := models.DevSignIn(context.Background(), app.db, "erin@example.com", "Erin", nil); err != nil {
		t.Errorf("verified sign-in blocked by an old unverified row: %v", err)
	}

	// A verified address still belongs to its account: never linked by email.
	f = oidcSignIn(t, app, op, app.client(), "/auth/oidc", mockoidc.MockUser{
		Subject: "acme|boss-2", Email: "boss@example.com", EmailVerified: true})
	if f.res.StatusCode != http.StatusConflict {
		t.Errorf("second verified identity with the owner's address = %d, want 409", f.res.StatusCode)
	}
}
