package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// staffRoute is one staff or admin endpoint with the roles that may use it.
// Every new staff/admin route must be added here.
type staffRoute struct {
	method, path, body string
	roles              []string // besides admin
}

func staffRoutes(memberID, ideaID int64, o matrixObjects) []staffRoute {
	id := func(p string) string { return strings.ReplaceAll(p, ":id", itoa(memberID)) }
	idea := func(p string) string { return strings.ReplaceAll(p, ":idea", itoa(ideaID)) }
	comment := func(p string) string { return strings.ReplaceAll(p, ":comment", itoa(o.commentID)) }
	merged := func(p string) string { return strings.ReplaceAll(p, ":merged", itoa(o.mergedID)) }
	token := func(p string) string { return strings.ReplaceAll(p, ":token", itoa(o.tokenID)) }
	acct := func(p string) string {
		return strings.NewReplacer(":acct", itoa(o.accountID), ":spare", itoa(o.spareAccountID), ":contact", itoa(o.contactID),
			":idea", itoa(ideaID)).Replace(p)
	}
	mod, pm := models.RoleModerator, models.RoleProductManager
	return []staffRoute{
		{"GET", "/admin/users", "", nil},
		{"POST", id("/admin/users/:id/role"), "role=member", nil},
		{"POST", id("/admin/users/:id/ban"), "reason=matrix&permanent=true", nil},
		{"POST", id("/admin/users/:id/unban"), "", nil},
		{"PUT", id("/api/v1/users/:id/role"), `{"role":"member"}`, nil},
		{"GET", "/admin/categories", "", nil},
		{"POST", "/admin/categories", "slug=matrix-" + itoa(memberID) + "&name=Matrix", nil},
		{"POST", "/admin/categories/1", "name=General&description=Everything+else", nil},
		{"GET", "/admin/settings", "", []string{mod, pm}}, // read only for them
		{"POST", "/admin/settings", "ideas_per_hour=1000&comment_interval_seconds=0&votes_per_minute=100000&duplicate_window_minutes=0" +
			"&new_member_max_links=1000&new_member_posts=3&per_ip_actions_per_minute=100000&signups_per_ip_per_hour=100000&votes_per_day=100000", nil},
		{"GET", "/admin/audit", "", nil},
		{"GET", "/admin/tokens", "", nil},
		{"POST", token("/admin/tokens/:token/revoke"), "", nil},
		{"GET", "/admin/webhooks", "", nil},
		{"GET", "/admin/jobs", "", nil},
		{"GET", "/api/v1/admin/webhooks", "", nil},
		{"GET", "/staff/moderation", "", []string{mod}},
		{"GET", "/staff/insights", "", []string{pm}},
		{"GET", "/api/v1/moderation/queue", "", []string{mod}},
		{"GET", idea("/ideas/:idea/merge"), "", []string{mod}},
		{"POST", idea("/ideas/:idea/status"), "status=under_review", []string{mod, pm}},
		{"POST", idea("/api/v1/ideas/:idea/status"), `{"status":"under_review"}`, []string{mod, pm}},
		{"POST", idea("/api/v1/ideas/:idea/hide"), `{"reason":"matrix"}`, []string{mod}},
		{"POST", idea("/api/v1/ideas/:idea/restore"), `{}`, []string{mod}},
		{"POST", id("/api/v1/users/:id/ban"), `{"until":null,"reason":"matrix"}`, []string{mod}},
		{"DELETE", id("/api/v1/users/:id/ban"), ``, []string{mod}},
		{"GET", idea("/ideas/:idea/voters"), "", []string{mod, pm}},
		{"GET", merged("/ideas/:merged/unmerge"), "", []string{mod}},
		{"POST", idea("/ideas/:idea/hide"), "reason=matrix", []string{mod}},
		{"POST", idea("/ideas/:idea/restore"), "", []string{mod}},
		{"POST", idea("/ideas/:idea/lock"), "locked=true", []string{mod}},
		{"POST", idea("/ideas/:idea/staff-edit"), "title=An+idea+for+the+role+matrix&category=general", []string{mod}},
		{"POST", comment("/comments/:comment/hide"), "reason=matrix", []string{mod}},
		{"POST", comment("/comments/:comment/restore"), "", []string{mod}},
		{"POST", comment("/comments/:comment/ban"), "reason=matrix&permanent=true", []string{mod}},
		// Backlog: promote (again: the same card), board, moves, lock, mappings.
		{"POST", idea("/ideas/:idea/backlog"), "provider=internal", []string{pm}},
		{"POST", idea("/api/v1/ideas/:idea/backlog"), `{"provider":"internal"}`, []string{pm}},
		{"GET", idea("/api/v1/ideas/:idea/backlog/internal"), "", []string{pm}},
		{"GET", "/staff/backlog", "", []string{pm}},
		{"GET", "/staff/integrations/webhooks", "", []string{pm}},
		{"GET", "/staff/integrations/writebacks", "", []string{pm}},
		{"POST", "/staff/backlog/" + itoa(o.itemID) + "/move", "column=next", []string{pm}},
		{"PUT", "/api/v1/backlog/" + itoa(o.itemID) + "/status", `{"column":"next"}`, []string{pm}},
		{"POST", idea("/ideas/:idea/status-lock"), "locked=false", []string{mod, pm}},
		{"POST", idea("/ideas/:idea/backlog/jira/unlink"), "", []string{pm}},
		{"DELETE", idea("/api/v1/ideas/:idea/backlog/jira"), "", []string{pm}},
		{"GET", "/admin/status-mappings", "", nil},
		{"POST", "/admin/status-mappings", "internal.done=shipped", nil},
		{"GET", "/api/v1/admin/status-mappings", "", nil},
		{"PUT", "/api/v1/admin/status-mappings", `{"mappings":[{"provider":"jira","category":"done","idea_status":"shipped"}]}`, nil},
		{"GET", "/staff/accounts", "", []string{pm}},
		{"GET", "/staff/accounts/new", "", []string{pm}},
		{"POST", "/staff/accounts", "name=Matrix+Co", []string{pm}},
		{"GET", acct("/staff/accounts/:acct"), "", []string{pm}},
		{"GET", acct("/staff/accounts/:acct/ideas"), "", []string{pm}},
		{"GET", acct("/staff/accounts/:acct/edit"), "", []string{pm}},
		{"POST", acct("/staff/accounts/:acct"), "name=Matrix+Account&lifecycle=customer", []string{pm}},
		{"GET", acct("/staff/accounts/:acct/delete"), "", []string{pm}},
		{"POST", acct("/staff/accounts/:acct/members"), "member=" + itoa(memberID), []string{pm}},
		{"POST", acct("/staff/accounts/:acct/members/remove"), "user_id=" + itoa(memberID), []string{pm}},
		{"GET", idea("/ideas/:idea/accounts"), "", []string{pm}},
		{"POST", acct("/ideas/:idea/accounts"), acct("account_id=:acct&importance=critical"), []string{pm}},
		{"POST", acct("/ideas/:idea/accounts/remove"), acct("account_id=:acct"), []string{pm}},
		{"POST", idea("/ideas/:idea/proxy-votes"), "email=contact%40matrix.test&name=Contact", []string{pm}},
		{"POST", idea("/ideas/:idea/proxy-votes/remove"), acct("user_id=:contact"), []string{pm}},
		{"GET", "/api/v1/accounts", "", []string{pm}},
		{"POST", "/api/v1/accounts", `{"name":"Matrix API Co"}`, []string{pm}},
		{"GET", acct("/api/v1/accounts/:acct"), "", []string{pm}},
		{"PATCH", acct("/api/v1/accounts/:acct"), `{"segment":"SMB"}`, []string{pm}},
		{"GET", idea("/api/v1/ideas/:idea/demand"), "", []string{pm}},
		{"PUT", acct("/api/v1/ideas/:idea/accounts/:acct"), `{"importance":"important"}`, []string{pm}},
		{"DELETE", acct("/api/v1/ideas/:idea/accounts/:acct"), "", []string{pm}},
		{"POST", idea("/api/v1/ideas/:idea/proxy-votes"), `{"email":"other@matrix.test","name":"Other"}`, []string{pm}},
		{"DELETE", acct("/api/v1/ideas/:idea/proxy-votes/:contact"), "", []string{pm}},
		{"DELETE", acct("/api/v1/accounts/:spare"), "", []string{pm}},
		{"POST", acct("/staff/accounts/:spare/delete"), "", []string{pm}},
		{"GET", "/staff/accounts/import", "", []string{pm}},
		{"GET", "/staff/integrations", "", []string{pm}},
		{"POST", "/staff/integrations/sync", "source=salesforce", []string{pm}},
		{"POST", "/api/v1/crm/sync", `{"source":"salesforce"}`, []string{pm}},
		{"GET", "/api/v1/syncs/1", "", []string{pm}}, // the sync the rows above queued
	}
}

// matrixObjects are more things for staff routes to act on: a comment by the
// target member, an idea merged into the target idea and the member's API
// token.
type matrixObjects struct {
	commentID, mergedID, tokenID int64
	// CRM: a manual account, another to delete, a contact voted for by proxy.
	accountID, spareAccountID, contactID int64
	// Backlog: a card on the built-in board.
	itemID int64
}

// TestRoleMatrix requests every staff and admin route as anonymous, member,
// moderator, product manager and admin: anonymous pages redirect to sign-in
// (API: 401), users without the role get 403, the rest get through.
func TestRoleMatrix(t *testing.T) {
	app := newTestApp(t, func(o *Options) { o.CRMSources = []string{models.SourceSalesforce} })
	targetClient, target := app.signIn(t, "target@example.com")
	targetIdea := app.postIdea(t, targetClient, "An idea for the role matrix")
	o := matrixObjects{commentID: app.postComment(t, targetClient, targetIdea.ID, "A comment for the role matrix").ID}
	clients := map[string]*http.Client{"anonymous": app.client()}
	for _, role := range []string{models.RoleMember, models.RoleModerator, models.RoleProductManager, models.RoleAdmin} {
		clients[role], _ = app.signInAs(t, role+"@example.com", role)
	}
	dup := app.postIdea(t, clients[models.RoleMember], "An idea for the role matrix, again")
	if res, body := app.api(t, clients[models.RoleModerator], "POST", fmt.Sprintf("/api/v1/ideas/%d/merge", dup.ID),
		fmt.Sprintf(`{"into_id":%d}`, targetIdea.ID)); res.StatusCode != http.StatusOK {
		t.Fatalf("merge = %d %s", res.StatusCode, body)
	}
	o.mergedID = dup.ID
	o.tokenID = app.createToken(t, targetClient, "matrix", models.ScopeRead).ID
	o.itemID = app.promoteToBoard(t, targetIdea.ID)
	crmAdmin := &models.User{Role: models.RoleAdmin}
	app.db.Where("role = 'admin'").Take(crmAdmin)
	for name, id := range map[string]*int64{"Matrix account": &o.accountID, "Matrix spare": &o.spareAccountID} {
		a, err := models.CreateManualAccount(context.Background(), app.db, crmAdmin, models.AccountInput{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		*id = a.ID
	}
	pv, err := models.CastProxyVote(context.Background(), app.db, crmAdmin, targetIdea.ID, models.ProxyVoteInput{Email: "contact@matrix.test", Name: "Contact"})
	if err != nil {
		t.Fatal(err)
	}
	o.contactID = pv.UserID
	for _, r := range staffRoutes(target.ID, targetIdea.ID, o) {
		for who, c := range clients {
			var res *http.Response
			var body string
			switch {
			case r.method == "GET":
				res, body = do(t, c, "GET", app.srv.URL+r.path, nil)
			case strings.HasPrefix(r.path, "/api/"):
				res, body = app.api(t, c, r.method, r.path, r.body)
			default:
				req := strings.NewReader(r.body + "&_csrf=" + app.csrfOf(t, c))
				res, body = do(t, c, r.method, app.srv.URL+r.path, req, "Content-Type", "application/x-www-form-urlencoded")
			}
			allowed := who == models.RoleAdmin
			for _, role := range r.roles {
				allowed = allowed || who == role
			}
			want := []int{http.StatusOK, http.StatusCreated, http.StatusSeeOther, http.StatusNoContent, http.StatusAccepted}
			switch {
			case who == "anonymous" && strings.HasPrefix(r.path, "/api/"):
				want = []int{http.StatusUnauthorized}
			case who == "anonymous" && r.method == "GET":
				want = []int{http.StatusFound}
			case who == "anonymous":
				want = []int{http.StatusFound}
			case !allowed:
				want = []int{http.StatusForbidden}
			}
			if !containsInt(want, res.StatusCode) {
				t.Errorf("%s %s as %s = %d, want %v: %.200s", r.method, r.path, who, res.StatusCode, want, body)
			}
			if res.StatusCode == http.StatusFound && !strings.HasPrefix(res.Header.Get("Location"), "/signin?next=") {
				t.Errorf("%s %s as %s redirects to %q", r.method, r.path, who, res.Header.Get("Location"))
			}
		}
	}
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
