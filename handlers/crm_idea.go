package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// The CRM side of an idea, for product managers and admins: the Demand
// panel on the idea page, the page that links accounts ("requested by")
// with an account search that works without JavaScript, and votes cast on
// behalf of customers.

// crmPanel is what the idea page's Demand panel shows.
type crmPanel struct {
	Demand *models.Demand
	Links  []models.IdeaAccountLink
	// Rows is the head of Demand.AccountRows the panel lists.
	Rows []models.AccountDemand
}

// maxPanelRows bounds the accounts the panel lists; the accounts page of
// the idea lists every link.
const maxPanelRows = 10

func (h *Handler) crmPanel(ctx context.Context, idea *models.Idea) (*crmPanel, error) {
	d, err := models.IdeaDemand(ctx, h.db, h.opts.FX, idea.ID)
	if err != nil {
		return nil, err
	}
	p := &crmPanel{Demand: d, Rows: d.AccountRows}
	if len(p.Rows) > maxPanelRows {
		p.Rows = p.Rows[:maxPanelRows]
	}
	return p, nil
}

// linkForm is the input of POST /ideas/:id/accounts.
type linkForm struct {
	AccountID     int64  `form:"account_id"`
	Importance    string `form:"importance"`
	Note          string `form:"note"`
	OpportunityID string `form:"opportunity_id"`
}

func (f linkForm) input() (models.LinkInput, error) {
	in := models.LinkInput{Importance: f.Importance, Note: f.Note}
	if s := strings.TrimSpace(f.OpportunityID); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return in, &models.ValidationError{Fields: map[string]string{"opportunity_id": "Choose one of the account's opportunities."}}
		}
		in.OpportunityID = &n
	}
	return in, nil
}

// proxyForm is the input of POST /ideas/:id/proxy-votes.
type proxyForm struct {
	Member string `form:"member"` // a member's id, or empty with Email
	Email  string `form:"email"`
	Name   string `form:"name"`
	UserID int64  `form:"user_id"` // removal
}

// ideaAccountsView is what idea_accounts.html receives.
type ideaAccountsView struct {
	Idea          *models.Idea
	Panel         *crmPanel
	Q             string
	Results       []models.AccountRow
	Total         int64
	Opportunities map[int64][]models.CRMOpportunity
	Importances   []string
	// After an error: the form that failed ("link:<account>", "proxy")
	// with its values and fields.
	Failed string
	Link   linkForm
	Proxy  proxyForm
	Fields map[string]string
}

// FailedLink reports whether the link form of account id failed.
func (v ideaAccountsView) FailedLink(id int64) bool { return v.Failed == "link:"+itoa(id) }

func (h *Handler) ideaAccounts(c echo.Context) error {
	return h.ideaAccountsPage(c, http.StatusOK, ideaAccountsView{})
}

func (h *Handler) ideaAccountsPage(c echo.Context, status int, v ideaAccountsView) error {
	idea, err := h.routeIdea(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v.Idea, v.Importances = idea, models.Importances
	if v.Panel, err = h.crmPanel(ctx, idea); err != nil {
		return err
	}
	if v.Panel.Links, err = models.IdeaAccountLinks(ctx, h.db, idea.ID); err != nil {
		return err
	}
	v.Q = strings.TrimSpace(c.QueryParam("q"))
	ids := []int64{}
	for _, l := range v.Panel.Links {
		ids = append(ids, l.AccountID)
	}
	if v.Q != "" {
		list, err := models.ListAccounts(ctx, h.db, h.opts.FX, models.AccountQuery{Q: v.Q, Sort: "arr", Page: models.NewPage(1, 10)})
		var ve *models.ValidationError
		switch {
		case errors.As(err, &ve):
			v.Fields = ve.Fields
		case err != nil:
			return err
		default:
			v.Results, v.Total = list.Accounts, list.Page.Total
		}
	}
	// The failed link form's account is shown again even without a search.
	if strings.HasPrefix(v.Failed, "link:") {
		if id, err := strconv.ParseInt(strings.TrimPrefix(v.Failed, "link:"), 10, 64); err == nil && !v.linked(id) && !v.found(id) {
			if a, err := models.AccountByID(ctx, h.db, h.opts.FX, id); err == nil {
				v.Results = append([]models.AccountRow{{CRMAccount: a.CRMAccount}}, v.Results...)
			}
		}
	}
	for _, r := range v.Results {
		ids = append(ids, r.ID)
	}
	if v.Opportunities, err = models.OpportunitiesOf(ctx, h.db, ids); err != nil {
		return err
	}
	return h.render(c, status, "idea_accounts", h.page(c, "Accounts: "+idea.Title, v))
}

func (v ideaAccountsView) linked(id int64) bool {
	for _, l := range v.Panel.Links {
		if l.AccountID == id {
			return true
		}
	}
	return false
}

func (v ideaAccountsView) found(id int64) bool {
	for _, r := range v.Results {
		if r.ID == id {
			return true
		}
	}
	return false
}

func (h *Handler) linkAccountForm(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	var f linkForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	in, err := f.input()
	if err == nil {
		_, _, err = models.LinkIdeaAccount(c.Request().Context(), h.db, currentUser(c), id, f.AccountID, in)
	}
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return h.ideaAccountsPage(c, http.StatusUnprocessableEntity, ideaAccountsView{Failed: "link:" + itoa(f.AccountID), Link: f, Fields: ve.Fields})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/ideas/"+itoa(id)+"/accounts?notice=acct-linked")
}

func (h *Handler) unlinkAccountForm(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	var f linkForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	if err := models.UnlinkIdeaAccount(c.Request().Context(), h.db, currentUser(c), id, f.AccountID); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/ideas/"+itoa(id)+"/accounts?notice=link-removed")
}

func (h *Handler) proxyVoteForm(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	var f proxyForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	in := models.ProxyVoteInput{Email: f.Email, Name: f.Name}
	if s := strings.TrimSpace(f.Member); s != "" {
		n, perr := strconv.ParseInt(s, 10, 64)
		if perr != nil || n <= 0 {
			err = &models.ValidationError{Fields: map[string]string{"user_id": "Give the member's id (see the account page), or their email."}}
		}
		in.UserID = n
	}
	if err == nil {
		_, err = models.CastProxyVote(c.Request().Context(), h.db, currentUser(c), id, in)
	}
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return h.ideaAccountsPage(c, http.StatusUnprocessableEntity, ideaAccountsView{Failed: "proxy", Proxy: f, Fields: ve.Fields})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/ideas/"+itoa(id)+"/voters?notice=proxy-voted")
}

func (h *Handler) removeProxyVoteForm(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	var f proxyForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	if _, err := models.RemoveProxyVote(c.Request().Context(), h.db, currentUser(c), id, f.UserID); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/ideas/"+itoa(id)+"/voters?notice=proxy-gone")
}
