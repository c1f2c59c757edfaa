package handlers

import (
	"context"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/crowdwise/crowdwise/models"
)

// TestOIDCTakesOverPlaceholderByVerifiedEmail: a contact staff voted for
// signs in through OpenID Connect. With the address unverified they get a
// new account of their own; with it verified the sign-in becomes the
// placeholder, with the vote cast for them and the provider's name.
func TestOIDCTakesOverPlaceholderByVerifiedEmail(t *testing.T) {
	op := newOIDCProvider(t)
	app := newOIDCApp(t, op)
	author, _ := app.signIn(t, "author@example.com")
	idea := app.postIdea(t, author, "Audit log streaming")
	_, pm := app.signInAs(t, "pam@crowdwise.test", models.RoleProductManager)
	pv, err := models.CastProxyVote(context.Background(), app.db, pm, idea.ID, models.ProxyVoteInput{Email: "dora@euro.test", Name: "Dora"})
	if err != nil {
		t.Fatal(err)
	}

	c := app.client()
	oidcSignedIn(t, app, op, c, "/auth/oidc?next=/x", mockoidc.MockUser{
		Subject: "euro|dora-unverified", Email: "dora@euro.test", EmailVerified: false, PreferredUsername: "dora"}, "/x")
	if me, _ := oidcMe(t, app, c); me == nil || me.ID == pv.UserID {
		t.Fatalf("an unverified email signed in as %+v, want a new account, not placeholder %d", me, pv.UserID)
	}

	c = app.client()
	oidcSignedIn(t, app, op, c, "/auth/oidc?next=/x", mockoidc.MockUser{
		Subject: "euro|dora", Email: "Dora@Euro.test", EmailVerified: true, PreferredUsername: "DoraExplorer"}, "/x")
	me, _ := oidcMe(t, app, c)
	if me == nil || me.ID != pv.UserID {
		t.Fatalf("verified sign-in as %+v, want the placeholder %d", me, pv.UserID)
	}
	var u models.User
	if err := app.db.Take(&u, pv.UserID).Error; err != nil || u.Placeholder || !u.EmailVerified || u.Name == "Dora" {
		t.Fatalf("taken-over user: %+v %v", u, err)
	}
	if n := oidcCount(t, app, "votes", "user_id = ? AND idea_id = ?", u.ID, idea.ID); n != 1 {
		t.Fatalf("the proxy vote did not come with the account (%d votes)", n)
	}
	if n := oidcCount(t, app, "identities", "user_id = ? AND provider = 'oidc'", u.ID); n != 1 {
		t.Fatalf("%d oidc identities on the taken-over user, want 1", n)
	}
}
