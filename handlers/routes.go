package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// routes is the one place every URL is declared, grouped by who may call it;
// each group carries its access middleware.
func (h *Handler) routes(e *echo.Echo) {
	// Pre-router middleware runs for every request, including 404s and
	// oversize bodies, so those are logged, counted and get the same headers.
	e.Pre(
		h.requestID(),
		h.observe,
		h.recoverPanics(),
		h.securityHeaders,
		h.bodyLimit(),
	)
	e.Use(h.gzip(), h.bearer, h.sessions, h.refuseOversize, h.csrf(), h.validText)
	e.Use(h.anonPages.forgetOnWrite)
	e.Use(h.ideaPages.forgetOnWrite)
	e.Use(h.hitPages.forgetOnWrite)

	// Operations and assets: no session, no CSRF cookie.
	e.GET("/healthz", h.healthz)
	e.GET("/readyz", h.readyz)
	e.GET("/metrics", h.metricsHandler())
	e.GET("/static/*", h.static)

	signinLimit := h.perIPLimit(h.opts.SignInPerMinute)

	public := group(e, "")
	public.GET("/", h.home)
	public.GET("/search", h.search)
	public.GET("/roadmap", h.roadmap)
	public.GET("/changelog", h.changelog)
	public.GET("/changelog.atom", h.changelogAtom)
	public.GET("/ideas/:id", h.showIdea)
	public.GET("/ideas/:id/:slug", h.showIdea)
	public.GET("/signin", h.signin)
	public.GET("/auth/:provider", h.authStart, signinLimit)
	public.GET("/auth/:provider/callback", h.authCallback)
	public.POST("/auth/:provider/callback", h.authCallback)
	public.POST("/signout", h.signout)
	public.POST("/auth/dev", h.authDev, signinLimit) // 404 unless CROWDWISE_DEV_LOGIN
	public.GET("/unsubscribe", h.unsubscribePage)
	public.POST("/unsubscribe", h.unsubscribe) // RFC 8058 one-click: token-checked, no CSRF

	member := group(e, "", h.requireUser, h.actionLimit)
	member.GET("/ideas/new", h.newIdea)
	member.POST("/ideas", h.createIdea)
	member.GET("/ideas/:id/edit", h.editIdea)
	member.POST("/ideas/:id/edit", h.updateIdea)
	member.GET("/ideas/:id/delete", h.confirmDeleteIdea) // author or moderator
	member.POST("/ideas/:id/delete", h.deleteIdea)
	member.POST("/ideas/:id/vote", h.voteForm, h.voteAfterSignIn) // a visitor's vote waits for sign-in
	member.POST("/ideas/:id/follow", h.followForm)
	member.POST("/ideas/:id/comments", h.createCommentForm)
	member.POST("/ideas/:id/flag", h.flagIdeaForm)
	member.POST("/comments/:id/edit", h.updateCommentForm)
	member.GET("/comments/:id/delete", h.confirmDeleteComment)
	member.POST("/comments/:id/delete", h.deleteCommentForm)
	member.POST("/comments/:id/flag", h.flagCommentForm)
	member.GET("/notifications", h.notifications)
	member.POST("/notifications/read", h.notificationsRead)
	member.GET("/settings", h.settings)
	member.POST("/settings/profile", h.settingsProfile)
	member.POST("/settings/notifications", h.settingsNotifications)
	member.POST("/settings/identities/:id/unlink", h.settingsUnlink)
	member.POST("/settings/sessions/revoke", h.settingsRevokeSessions)
	member.GET("/settings/export", h.settingsExport)
	member.POST("/settings/delete", h.settingsDelete)
	member.GET("/settings/tokens", h.settingsTokens)
	member.POST("/settings/tokens", h.settingsCreateToken)
	member.POST("/settings/tokens/:id/revoke", h.settingsRevokeToken)

	staff := group(e, "", h.requireRole(models.RoleModerator, models.RoleProductManager))
	staff.POST("/ideas/:id/status", h.statusForm)
	staff.GET("/ideas/:id/voters", h.ideaVoters)
	staff.GET("/admin/settings", h.adminSettings) // read only unless admin

	moderator := group(e, "", h.requireRole(models.RoleModerator))
	moderator.GET("/staff/moderation", h.moderationQueue)
	moderator.POST("/staff/moderation", h.moderationAction)
	moderator.GET("/ideas/:id/merge", h.mergePage)
	moderator.POST("/ideas/:id/merge", h.mergeForm)
	moderator.GET("/ideas/:id/unmerge", h.confirmUnmerge)
	moderator.POST("/ideas/:id/unmerge", h.unmergeForm)
	moderator.POST("/ideas/:id/hide", h.hideIdeaForm)
	moderator.POST("/ideas/:id/restore", h.restoreIdeaForm)
	moderator.POST("/ideas/:id/lock", h.lockCommentsForm)
	moderator.POST("/ideas/:id/staff-edit", h.staffEditIdeaForm)
	moderator.POST("/comments/:id/hide", h.hideCommentForm)
	moderator.POST("/comments/:id/restore", h.restoreCommentForm)
	moderator.POST("/comments/:id/ban", h.banCommentAuthorForm)

	// Inbound tracker webhooks: authenticated by their signature, not a session.
	public.POST("/webhooks/jira", h.trackerWebhook(models.ProviderJira))
	public.POST("/webhooks/github", h.trackerWebhook(models.ProviderGitHub))
	public.POST("/webhooks/linear", h.trackerWebhook(models.ProviderLinear))

	staff.POST("/ideas/:id/status-lock", h.statusLockForm)

	pm := group(e, "", h.requireRole(models.RoleProductManager))
	pm.POST("/ideas/:id/backlog", h.promoteForm)
	pm.POST("/ideas/:id/backlog/:provider/unlink", h.unlinkForm)
	pm.GET("/staff/backlog", h.board)
	pm.POST("/staff/backlog/:id/move", h.moveCardForm)
	pm.GET("/staff/integrations/webhooks", h.backlogLog("webhooks"))
	pm.GET("/staff/integrations/writebacks", h.backlogLog("writebacks"))
	// CRM: accounts, idea links, proxy votes (product managers; admins).
	crm := group(e, "", h.requireRole(models.RoleProductManager))
	crm.GET("/staff/accounts", h.staffAccounts)
	crm.GET("/staff/accounts/new", h.newAccount)
	crm.POST("/staff/accounts", h.createAccount)
	crm.GET("/staff/accounts/:id", h.staffAccount)
	crm.GET("/staff/accounts/:id/ideas", h.staffAccountIdeas)
	crm.GET("/staff/accounts/:id/edit", h.editAccount)
	crm.POST("/staff/accounts/:id", h.updateAccount)
	crm.GET("/staff/accounts/:id/delete", h.confirmDeleteAccount)
	crm.POST("/staff/accounts/:id/delete", h.deleteAccountForm)
	crm.POST("/staff/accounts/:id/members", h.linkMemberForm)
	crm.POST("/staff/accounts/:id/members/remove", h.removeMemberForm)
	crm.GET("/ideas/:id/accounts", h.ideaAccounts)
	crm.POST("/ideas/:id/accounts", h.linkAccountForm)
	crm.POST("/ideas/:id/accounts/remove", h.unlinkAccountForm)
	crm.POST("/ideas/:id/proxy-votes", h.proxyVoteForm)
	crm.POST("/ideas/:id/proxy-votes/remove", h.removeProxyVoteForm)
	// CRM sources: accounts CSV import and CRM syncs (product managers, admins).
	crmSources := group(e, "", h.requireRole(models.RoleProductManager))
	crmSources.GET("/staff/accounts/import", h.importForm)
	crmSources.POST("/staff/accounts/import", h.importUpload)
	crmSources.GET("/staff/accounts/import/:id", h.importStatus)
	crmSources.POST("/staff/accounts/import/:id/confirm", h.importConfirm)
	crmSources.GET("/staff/integrations", h.integrations)
	crmSources.POST("/staff/integrations/sync", h.integrationsSync)
	crm.GET("/staff/insights", h.staffInsights) // product insights; ?format=csv&chart=… downloads one chart

	admin := group(e, "/admin", h.requireRole(models.RoleAdmin))
	admin.GET("/status-mappings", h.adminStatusMappings)
	admin.POST("/status-mappings", h.adminSaveStatusMappings)
	admin.GET("/users", h.adminUsers)
	admin.POST("/users/:id/role", h.adminUserRole)
	admin.POST("/users/:id/ban", h.adminUserBan)
	admin.POST("/users/:id/unban", h.adminUserUnban)
	admin.GET("/categories", h.adminCategories)
	admin.POST("/categories", h.adminCreateCategory)
	admin.POST("/categories/:id", h.adminUpdateCategory)
	admin.POST("/settings", h.adminSaveSettings)
	admin.GET("/audit", h.adminAudit)
	admin.GET("/tokens", h.adminTokens)
	admin.POST("/tokens/:id/revoke", h.adminRevokeToken)
	admin.GET("/webhooks", h.adminWebhooks)
	admin.POST("/webhooks", h.adminCreateWebhook)
	admin.GET("/webhooks/:id", h.adminWebhook)
	admin.POST("/webhooks/:id", h.adminUpdateWebhook)
	admin.POST("/webhooks/:id/delete", h.adminDeleteWebhook)
	admin.POST("/webhooks/:id/rotate-secret", h.adminRotateWebhookSecret)
	admin.POST("/webhooks/:id/test", h.adminTestWebhook)
	admin.POST("/deliveries/:id/replay", h.adminReplayDelivery)
	admin.GET("/jobs", h.adminJobs)
	admin.POST("/jobs/:id/retry", h.adminRetryJob)
	admin.POST("/jobs/:id/cancel", h.adminCancelJob)

	// A bearer token's scopes limit it per group (scope); its owner's role
	// limits it as it limits them.
	api := group(e, "/api/v1", h.scope(models.ScopeRead))
	api.GET("/openapi.yaml", h.openapi)
	api.GET("/me", h.apiMe)
	api.GET("/categories", h.apiCategories)
	api.GET("/ideas", h.apiListIdeas)
	api.GET("/ideas/similar", h.apiSimilar)
	api.GET("/ideas/:id", h.apiGetIdea)
	api.GET("/ideas/:id/comments", h.apiComments)

	apiMember := group(e, "/api/v1", h.requireUser, h.scope(models.ScopeWrite), h.actionLimit)
	apiMember.PATCH("/me", h.apiUpdateMe)
	apiMember.POST("/ideas", h.apiCreateIdea)
	apiMember.PATCH("/ideas/:id", h.apiUpdateIdea)
	apiMember.DELETE("/ideas/:id", h.apiDeleteIdea)
	apiMember.PUT("/ideas/:id/follow", h.apiFollow(true))
	apiMember.DELETE("/ideas/:id/follow", h.apiFollow(false))
	apiMember.POST("/ideas/:id/comments", h.apiCreateComment)
	apiMember.POST("/ideas/:id/flags", h.apiFlagIdea)
	apiMember.PATCH("/comments/:id", h.apiUpdateComment)
	apiMember.DELETE("/comments/:id", h.apiDeleteComment)
	apiMember.POST("/comments/:id/flags", h.apiFlagComment)

	// A vote counts the action limits in its own transaction (one commit
	// per vote), so its group has no actionLimit.
	apiVote := group(e, "/api/v1", h.requireUser, h.scope(models.ScopeWrite))
	apiVote.PUT("/ideas/:id/vote", h.apiVote(true))
	apiVote.DELETE("/ideas/:id/vote", h.apiVote(false))

	// A token cannot mint or manage tokens: a signed-in session only.
	apiTokens := group(e, "/api/v1", h.sessionOnly, h.requireUser, h.actionLimit)
	apiTokens.GET("/me/tokens", h.apiListTokens)
	apiTokens.POST("/me/tokens", h.apiCreateToken)
	apiTokens.DELETE("/me/tokens/:id", h.apiRevokeToken)

	apiStaff := group(e, "/api/v1", h.requireRole(models.RoleModerator, models.RoleProductManager), h.scope(models.ScopeStaff))
	apiStaff.POST("/ideas/:id/status", h.apiSetStatus)

	apiModerator := group(e, "/api/v1", h.requireRole(models.RoleModerator), h.scope(models.ScopeStaff))
	apiModerator.GET("/moderation/queue", h.apiModerationQueue)
	apiModerator.POST("/ideas/:id/merge", h.apiMerge)
	apiModerator.POST("/ideas/:id/unmerge", h.apiUnmerge)
	apiModerator.POST("/ideas/:id/hide", h.apiHide("idea"))
	apiModerator.POST("/ideas/:id/restore", h.apiRestore("idea"))
	apiModerator.POST("/comments/:id/hide", h.apiHide("comment"))
	apiModerator.POST("/comments/:id/restore", h.apiRestore("comment"))
	apiModerator.POST("/users/:id/ban", h.apiBan)
	apiModerator.DELETE("/users/:id/ban", h.apiUnban)

	apiCRM := group(e, "/api/v1", h.requireRole(models.RoleProductManager), h.scope(models.ScopeStaff))
	apiCRM.GET("/accounts", h.apiListAccounts)
	apiCRM.POST("/accounts", h.apiCreateAccount)
	apiCRM.GET("/accounts/:id", h.apiGetAccount)
	apiCRM.PATCH("/accounts/:id", h.apiUpdateAccount)
	apiCRM.DELETE("/accounts/:id", h.apiDeleteAccount)
	apiCRM.GET("/ideas/:id/demand", h.apiIdeaDemand)
	apiCRM.PUT("/ideas/:id/accounts/:account_id", h.apiLinkAccount)
	apiCRM.DELETE("/ideas/:id/accounts/:account_id", h.apiUnlinkAccount)
	apiCRM.POST("/ideas/:id/proxy-votes", h.apiProxyVote)
	apiCRM.DELETE("/ideas/:id/proxy-votes/:user_id", h.apiRemoveProxyVote)
	apiCRMSources := group(e, "/api/v1", h.requireRole(models.RoleProductManager), h.scope(models.ScopeStaff))
	apiCRMSources.POST("/accounts/import", h.apiImportAccounts)
	apiCRMSources.POST("/crm/sync", h.apiCRMSync)
	apiCRMSources.GET("/syncs/:id", h.apiSync)

	apiAdmin := group(e, "/api/v1", h.requireRole(models.RoleAdmin), h.scope(models.ScopeStaff))
	apiAdmin.PUT("/users/:id/role", h.apiUserRole)
	apiAdmin.GET("/admin/webhooks", h.apiListWebhooks)
	apiAdmin.POST("/admin/webhooks", h.apiCreateWebhook)
	apiAdmin.PATCH("/admin/webhooks/:id", h.apiUpdateWebhook)
	apiAdmin.DELETE("/admin/webhooks/:id", h.apiDeleteWebhook)
	apiAdmin.POST("/admin/webhooks/:id/rotate-secret", h.apiRotateWebhookSecret)
	apiAdmin.GET("/admin/webhooks/:id/deliveries", h.apiWebhookDeliveries)
	apiAdmin.POST("/admin/webhooks/:id/test", h.apiTestWebhook)
	apiAdmin.POST("/admin/deliveries/:id/replay", h.apiReplayDelivery)

	apiAdmin.GET("/admin/status-mappings", h.apiStatusMappings)
	apiAdmin.PUT("/admin/status-mappings", h.apiSetStatusMappings)

	apiPM := group(e, "/api/v1", h.requireRole(models.RoleProductManager), h.scope(models.ScopeStaff))
	apiPM.POST("/ideas/:id/backlog", h.apiPromote)
	apiPM.GET("/ideas/:id/backlog/:provider", h.apiBacklogItem)
	apiPM.DELETE("/ideas/:id/backlog/:provider", h.apiUnlink)
	apiPM.PUT("/backlog/:id/status", h.apiMoveCard)
}

// routeGroup is a path prefix with middleware applied per route. Echo's own
// Group installs catch-all 404 routes through its middleware, which would
// send unknown URLs to the sign-in page; this does not.
type routeGroup struct {
	e      *echo.Echo
	prefix string
	mw     []echo.MiddlewareFunc
}

func group(e *echo.Echo, prefix string, mw ...echo.MiddlewareFunc) routeGroup {
	return routeGroup{e, prefix, mw}
}

func (g routeGroup) add(method, path string, h echo.HandlerFunc, mw []echo.MiddlewareFunc) {
	g.e.Add(method, g.prefix+path, h, append(append([]echo.MiddlewareFunc{}, mw...), g.mw...)...)
}

func (g routeGroup) GET(path string, h echo.HandlerFunc, mw ...echo.MiddlewareFunc) {
	g.add("GET", path, h, mw)
}

func (g routeGroup) POST(path string, h echo.HandlerFunc, mw ...echo.MiddlewareFunc) {
	g.add("POST", path, h, mw)
}

func (g routeGroup) PUT(path string, h echo.HandlerFunc, mw ...echo.MiddlewareFunc) {
	g.add("PUT", path, h, mw)
}

func (g routeGroup) PATCH(path string, h echo.HandlerFunc, mw ...echo.MiddlewareFunc) {
	g.add("PATCH", path, h, mw)
}

func (g routeGroup) DELETE(path string, h echo.HandlerFunc, mw ...echo.MiddlewareFunc) {
	g.add("DELETE", path, h, mw)
}
