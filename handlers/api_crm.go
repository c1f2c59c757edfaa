package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// The CRM API (product managers and admins, tokens with the staff scope):
// accounts, an idea's demand, its account links and proxy votes.

// apiAccount is an account in JSON; dates are YYYY-MM-DD.
type apiAccount struct {
	ID          int64    `json:"id"`
	Name        string   `json:"name"`
	Domains     []string `json:"domains"`
	ARRCents    int64    `json:"arr_cents"`
	Currency    string   `json:"currency"`
	Segment     string   `json:"segment"`
	Lifecycle   string   `json:"lifecycle"`
	OwnerName   string   `json:"owner_name"`
	OwnerEmail  string   `json:"owner_email"`
	RenewalDate *string  `json:"renewal_date"`
	Source      string   `json:"source"`
	ExternalID  *string  `json:"external_id"`
}

// apiAccountDetail is one account with its opportunities.
type apiAccountDetail struct {
	apiAccount
	Opportunities []apiOpportunity `json:"opportunities"`
}

type apiOpportunity struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	State       string  `json:"state"`
	AmountCents int64   `json:"amount_cents"`
	Stage       string  `json:"stage"`
	CloseDate   *string `json:"close_date"`
}

func dateOnly(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.Format("2006-01-02")
	return &s
}

func toAPIAccount(a *models.CRMAccount) apiAccount {
	domains := []string(a.Domains)
	if domains == nil {
		domains = []string{}
	}
	return apiAccount{ID: a.ID, Name: a.Name, Domains: domains, ARRCents: a.ARRCents, Currency: a.Currency, Segment: a.Segment,
		Lifecycle: a.Lifecycle, OwnerName: a.OwnerName, OwnerEmail: a.OwnerEmail, RenewalDate: dateOnly(a.RenewalDate),
		Source: a.Source, ExternalID: a.ExternalID}
}

func toAPIAccountDetail(a *models.AccountDetail) apiAccountDetail {
	out := apiAccountDetail{apiAccount: toAPIAccount(&a.CRMAccount)}
	out.Opportunities = make([]apiOpportunity, len(a.Opportunities))
	for i, o := range a.Opportunities {
		out.Opportunities[i] = apiOpportunity{ID: o.ID, Name: o.Name, State: o.State, AmountCents: o.AmountCents,
			Stage: o.Stage, CloseDate: dateOnly(o.CloseDate)}
	}
	return out
}

func (h *Handler) apiListAccounts(c echo.Context) error {
	q := accountFilters(c)
	var err error
	if q.Page, err = bindAPIPage(c, 20); err != nil {
		return err
	}
	p, err := models.ListAccounts(c.Request().Context(), h.db, h.opts.FX, q)
	if err != nil {
		return err
	}
	out := make([]apiAccount, len(p.Accounts))
	for i := range p.Accounts {
		out[i] = toAPIAccount(&p.Accounts[i].CRMAccount)
	}
	return c.JSON(http.StatusOK, map[string]any{"accounts": out, "page": p.Page.Number, "per_page": p.Page.PerPage, "total": p.Page.Total,
		"total_capped": p.Page.Capped, "has_more": p.Page.HasNext()})
}

// accountJSON is the input of POST and PATCH /api/v1/accounts; PATCH
// changes the fields present.
type accountJSON struct {
	Name        *string  `json:"name"`
	Domains     []string `json:"domains"`
	ARRCents    *int64   `json:"arr_cents"`
	Currency    *string  `json:"currency"`
	Segment     *string  `json:"segment"`
	Lifecycle   *string  `json:"lifecycle"`
	OwnerName   *string  `json:"owner_name"`
	OwnerEmail  *string  `json:"owner_email"`
	RenewalDate *string  `json:"renewal_date"`
}

func (in accountJSON) input(base *models.CRMAccount) (models.AccountInput, error) {
	out := models.AccountInput{}
	if base != nil {
		out = models.AccountInput{Name: base.Name, Domains: base.Domains, ARRCents: base.ARRCents, Currency: base.Currency,
			Segment: base.Segment, Lifecycle: base.Lifecycle, OwnerName: base.OwnerName, OwnerEmail: base.OwnerEmail,
			RenewalDate: base.RenewalDate}
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&out.Name, in.Name)
	set(&out.Currency, in.Currency)
	set(&out.Segment, in.Segment)
	set(&out.Lifecycle, in.Lifecycle)
	set(&out.OwnerName, in.OwnerName)
	set(&out.OwnerEmail, in.OwnerEmail)
	if in.Domains != nil {
		out.Domains = in.Domains
	}
	if in.ARRCents != nil {
		out.ARRCents = *in.ARRCents
	}
	if in.RenewalDate != nil {
		if *in.RenewalDate == "" {
			out.RenewalDate = nil
		} else {
			t, err := time.Parse("2006-01-02", *in.RenewalDate)
			if err != nil {
				return out, &models.ValidationError{Fields: map[string]string{"renewal_date": "Use a date like 2027-03-31."}}
			}
			out.RenewalDate = &t
		}
	}
	return out, nil
}

func (h *Handler) apiCreateAccount(c echo.Context) error {
	var in accountJSON
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	ai, err := in.input(nil)
	if err != nil {
		return err
	}
	a, err := models.CreateManualAccount(c.Request().Context(), h.db, currentUser(c), ai)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAPIAccount(a))
}

func (h *Handler) apiGetAccount(c echo.Context) error {
	id, err := accountID(c)
	if err != nil {
		return err
	}
	a, err := models.AccountByID(c.Request().Context(), h.db, h.opts.FX, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIAccountDetail(a))
}

func (h *Handler) apiUpdateAccount(c echo.Context) error {
	id, err := accountID(c)
	if err != nil {
		return err
	}
	var in accountJSON
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	cur, err := models.AccountByID(ctx, h.db, h.opts.FX, id)
	if err != nil {
		return err
	}
	ai, err := in.input(&cur.CRMAccount)
	if err != nil {
		return err
	}
	if _, err := models.UpdateManualAccount(ctx, h.db, currentUser(c), id, ai); err != nil {
		return err
	}
	a, err := models.AccountByID(ctx, h.db, h.opts.FX, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIAccountDetail(a))
}

func (h *Handler) apiDeleteAccount(c echo.Context) error {
	id, err := accountID(c)
	if err != nil {
		return err
	}
	if err := models.DeleteCRMAccount(c.Request().Context(), h.db, currentUser(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *Handler) apiIdeaDemand(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	d, err := models.IdeaDemand(c.Request().Context(), h.db, h.opts.FX, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

// pathID reads a positive id path parameter other than :id.
func pathID(c echo.Context, name, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.NotFound("There is no " + what + " with id " + strconv.Quote(c.Param(name)) + ".")
	}
	return id, nil
}

// linkJSON is the input of PUT /api/v1/ideas/:id/accounts/:account_id.
type linkJSON struct {
	Importance    string `json:"importance"`
	Note          string `json:"note"`
	OpportunityID *int64 `json:"opportunity_id"`
}

func (h *Handler) apiLinkAccount(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	account, err := pathID(c, "account_id", "account")
	if err != nil {
		return err
	}
	var in linkJSON
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	l, created, err := models.LinkIdeaAccount(c.Request().Context(), h.db, currentUser(c), id, account,
		models.LinkInput{Importance: in.Importance, Note: in.Note, OpportunityID: in.OpportunityID})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, l)
}

func (h *Handler) apiUnlinkAccount(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	account, err := pathID(c, "account_id", "account")
	if err != nil {
		return err
	}
	if err := models.UnlinkIdeaAccount(c.Request().Context(), h.db, currentUser(c), id, account); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// proxyVoteJSON is the input of POST /api/v1/ideas/:id/proxy-votes.
type proxyVoteJSON struct {
	UserID int64  `json:"user_id"`
	Email  string `json:"email"`
	Name   string `json:"name"`
}

func (h *Handler) apiProxyVote(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	var in proxyVoteJSON
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	r, err := models.CastProxyVote(c.Request().Context(), h.db, currentUser(c), id, models.ProxyVoteInput{UserID: in.UserID, Email: in.Email, Name: in.Name})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if r.Created {
		status = http.StatusCreated
	}
	return c.JSON(status, r)
}

func (h *Handler) apiRemoveProxyVote(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	user, err := pathID(c, "user_id", "member")
	if err != nil {
		return err
	}
	st, err := models.RemoveProxyVote(c.Request().Context(), h.db, currentUser(c), id, user)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}
