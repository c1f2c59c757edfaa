package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/crowdwise/crowdwise/models"
)

// impersonations are names a member must not take while Maria Lopez is a
// moderator: her name and its look-alikes, role words, badge marks.
var impersonations = []string{
	"Maria Lopez", "maria lopez", "MARIA  LÓPEZ", "Mаria Lopez" /* Cyrillic а */, "Maria L0pez", "Maria\u200bLopez",
	"Ｍａｒｉａ Ｌｏｐｅｚ", "admin", "Аdmin" /* Cyrillic А */, "ADM1N", "Staff ✓", "Ѕtaff", "Crowdwise Team",
	"Official Support", "Product Manager", "Moderator", "Jo ✔",
}

func nameOf(t *testing.T, app *testApp, id int64) string {
	t.Helper()
	var name string
	if err := app.db.Raw(`SELECT name FROM users WHERE id = ?`, id).Scan(&name).Error; err != nil {
		t.Fatal(err)
	}
	return name
}

func TestMembersCannotTakeStaffOrRoleNames(t *testing.T) {
	app := newTestApp(t)
	mod, maria := app.signInAs(t, "maria@example.com", models.RoleModerator)
	if res, body := app.form(t, mod, "/settings/profile", url.Values{"name": {"Maria Lopez"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("moderator naming herself = %d: %s", res.StatusCode, body)
	}
	member, m := app.signIn(t, "mel@example.com")

	for _, name := range impersonations {
		res, body := app.form(t, member, "/settings/profile", url.Values{"name": {name}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "is-invalid") ||
			!strings.Contains(body, `value="`+strings.ReplaceAll(name, "'", "&#39;")+`"`) {
			t.Errorf("settings name %q = %d, want 422 with the field highlighted and the text kept", name, res.StatusCode)
		}
		res, body = app.api(t, member, "PATCH", "/api/v1/me", `{"name":`+jsonString(name)+`}`)
		var out struct {
			Error struct {
				Fields map[string]string `json:"fields"`
			} `json:"error"`
		}
		json.Unmarshal([]byte(body), &out)
		if res.StatusCode != http.StatusUnprocessableEntity || out.Error.Fields["name"] == "" {
			t.Errorf("PATCH /api/v1/me name %q = %d %s, want 422 on name", name, res.StatusCode, body)
		}
		if got := nameOf(t, app, m.ID); got != "mel" {
			t.Fatalf("member renamed to %q", got)
		}
	}

	// Ordinary names are fine, and so is a name that merely shares a word.
	for _, name := range []string{"Maria L.", "Mel Lopez", "Staffan", "Badminton Bea"} {
		if res, body := app.api(t, member, "PATCH", "/api/v1/me", `{"name":`+jsonString(name)+`}`); res.StatusCode != http.StatusOK {
			t.Errorf("PATCH /api/v1/me name %q = %d %s, want 200", name, res.StatusCode, body)
		}
	}

	// Staff keep their own name in any spelling and may use role words,
	// but not another staff member's name.
	for _, name := range []string{"MARIA LOPEZ", "Maria Lopez", "Maria (Support team)"} {
		if res, body := app.api(t, mod, "PATCH", "/api/v1/me", `{"name":`+jsonString(name)+`}`); res.StatusCode != http.StatusOK {
			t.Errorf("moderator renaming herself %q = %d %s, want 200", name, res.StatusCode, body)
		}
	}
	app.api(t, mod, "PATCH", "/api/v1/me", `{"name":"Maria Lopez"}`)
	pm, _ := app.signInAs(t, "pat@example.com", models.RoleProductManager)
	if res, _ := app.api(t, pm, "PATCH", "/api/v1/me", `{"name":"María López"}`); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("another staff member taking Maria's name = %d, want 422", res.StatusCode)
	}
	if got := nameOf(t, app, maria.ID); got != "Maria Lopez" {
		t.Errorf("moderator's name = %q", got)
	}
}

// A name from a provider that is reserved falls back to a safe one; the
// sign-in itself always succeeds. (Dev sign-in, off in production, lets
// anyone be anyone, so it takes any name.)
func TestSignInNeverTakesAReservedName(t *testing.T) {
	op := newOIDCProvider(t)
	app := newOIDCApp(t, op)
	_, maria := app.signInAs(t, "maria@example.com", models.RoleModerator)
	if _, err := models.UpdateName(t.Context(), app.db, maria.ID, "Maria Lopez"); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		user mockoidc.MockUser
		want string
	}{
		{mockoidc.MockUser{Subject: "acme|1", Email: "kim.lee@acme.example", EmailVerified: true, PreferredUsername: "Admin"}, "kim.lee"},
		{mockoidc.MockUser{Subject: "acme|2", Email: "staff@acme.example", EmailVerified: true, PreferredUsername: "Mаria Lopez"}, "Member"},
		{mockoidc.MockUser{Subject: "acme|3", Email: "x@acme.example", EmailVerified: false, PreferredUsername: "Crowdwise ✓"}, "x"},
	} {
		c := app.client()
		oidcSignedIn(t, app, op, c, "/auth/oidc", tc.user, "/")
		me, _ := oidcMe(t, app, c)
		if me == nil || me.Name != tc.want {
			t.Errorf("signed in with name %q as %+v, want name %q", tc.user.PreferredUsername, me, tc.want)
		}
	}
}
