package handlers

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// Staff account pages (product managers and admins): the searchable list,
// one account with its members, opportunities and ideas, the form that
// creates and edits manual accounts, deletion, and member links.

// accountID reads the :id route parameter as an account id.
func accountID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.NotFound("There is no account with id " + strconv.Quote(c.Param("id")) + ".")
	}
	return id, nil
}

// accountListParams is the query of /staff/accounts and GET /api/v1/accounts.
type accountListParams struct {
	Q         string `query:"q"`
	Segment   string `query:"segment"`
	Lifecycle string `query:"lifecycle"`
	Sort      string `query:"sort"`
}

func accountFilters(c echo.Context) models.AccountQuery {
	var in accountListParams
	_ = (&echo.DefaultBinder{}).BindQueryParams(c, &in) // strings only: cannot fail
	return models.AccountQuery{Q: in.Q, Segment: in.Segment, Lifecycle: in.Lifecycle, Sort: in.Sort}
}

// accountsView is what staff_accounts.html receives.
type accountsView struct {
	Query      models.AccountQuery
	List       *models.AccountPage
	Segments   []string
	Lifecycles []string
	Sorts      []string
	Pager      pager
	Fields     map[string]string
}

func (h *Handler) staffAccounts(c echo.Context) error {
	ctx := c.Request().Context()
	q := accountFilters(c)
	if _, ok := models.AccountSorts[q.Sort]; !ok {
		q.Sort = "arr" // an unknown order is the default one, as on the home page
	}
	q.Page = pageFromQuery(c, 25)
	segs, err := models.Segments(ctx, h.db)
	if err != nil {
		return err
	}
	v := accountsView{Query: q, Segments: segs, Lifecycles: models.Lifecycles, Sorts: models.AccountSortNames}
	list, err := models.ListAccounts(ctx, h.db, h.opts.FX, q)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		v.Fields, v.List = ve.Fields, &models.AccountPage{Accounts: []models.AccountRow{}, Page: q.Page, Currency: h.opts.FX.Currency}
		return h.render(c, http.StatusUnprocessableEntity, "staff_accounts", h.page(c, "Accounts", v))
	}
	if err != nil {
		return err
	}
	filters := withPerPage(c, url.Values{"q": {q.Q}, "segment": {q.Segment}, "lifecycle": {q.Lifecycle}, "sort": {q.Sort}})
	v.List, v.Pager = list, newPager("/staff/accounts", filters, list.Page)
	return h.render(c, listStatus(list.Page), "staff_accounts", h.page(c, "Accounts", v))
}

// accountView is what staff_account.html receives.
type accountView struct {
	Account  *models.AccountDetail
	Members  []models.AccountMember
	Ideas    []models.AccountIdea
	IdeasAll models.Page
	Pager    pager
	Currency string
	Member   string // the member form's value after an error
	Fields   map[string]string
}

func (h *Handler) staffAccount(c echo.Context) error {
	return h.accountPage(c, http.StatusOK, accountView{})
}

func (h *Handler) accountPage(c echo.Context, status int, v accountView) error {
	id, err := accountID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if v.Account, err = models.AccountByID(ctx, h.db, h.opts.FX, id); err != nil {
		return err
	}
	var p models.Page
	if v.Members, p, err = models.AccountMembers(ctx, h.db, id, pageFromQuery(c, 25)); err != nil {
		return err
	}
	if v.Ideas, v.IdeasAll, err = models.AccountIdeas(ctx, h.db, id, models.NewPage(1, 10)); err != nil {
		return err
	}
	v.Currency = h.opts.FX.Currency
	v.Pager = newPager("/staff/accounts/"+itoa(id), withPerPage(c, url.Values{}), p)
	if status == http.StatusOK {
		status = listStatus(p)
	}
	return h.render(c, status, "staff_account", h.page(c, v.Account.Name, v))
}

// accountIdeasView is what staff_account_ideas.html receives.
type accountIdeasView struct {
	Account *models.AccountDetail
	Ideas   []models.AccountIdea
	Pager   pager
}

func (h *Handler) staffAccountIdeas(c echo.Context) error {
	id, err := accountID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v := accountIdeasView{}
	if v.Account, err = models.AccountByID(ctx, h.db, h.opts.FX, id); err != nil {
		return err
	}
	var p models.Page
	if v.Ideas, p, err = models.AccountIdeas(ctx, h.db, id, pageFromQuery(c, 25)); err != nil {
		return err
	}
	v.Pager = newPager("/staff/accounts/"+itoa(id)+"/ideas", withPerPage(c, url.Values{}), p)
	return h.render(c, listStatus(p), "staff_account_ideas", h.page(c, "Ideas of "+v.Account.Name, v))
}

// accountForm is the input of the manual account form.
type accountForm struct {
	Name        string `form:"name"`
	Domains     string `form:"domains"`
	ARR         string `form:"arr"`
	Currency    string `form:"currency"`
	Segment     string `form:"segment"`
	Lifecycle   string `form:"lifecycle"`
	OwnerName   string `form:"owner_name"`
	OwnerEmail  string `form:"owner_email"`
	RenewalDate string `form:"renewal_date"`
}

// splitDomains reads domains separated by commas, semicolons or lines.
func splitDomains(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' || r == ' ' })
}

// parseAmount reads a decimal amount ("12000", "12,000.50") as cents.
func parseAmount(s string) (int64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) || f > 1e15 {
		return 0, false
	}
	return int64(math.Round(f * 100)), true
}

// input turns the form into a models.AccountInput, with the field errors
// only the form can make (amount and date syntax).
func (f accountForm) input() (models.AccountInput, map[string]string) {
	in := models.AccountInput{Name: f.Name, Domains: splitDomains(f.Domains), Currency: f.Currency, Segment: f.Segment,
		Lifecycle: f.Lifecycle, OwnerName: f.OwnerName, OwnerEmail: f.OwnerEmail}
	bad := map[string]string{}
	var ok bool
	if in.ARRCents, ok = parseAmount(f.ARR); !ok {
		bad["arr"] = "ARR must be an amount such as 12000 or 12000.50."
	}
	if d := strings.TrimSpace(f.RenewalDate); d != "" {
		t, err := time.Parse("2006-01-02", d)
		if err != nil {
			bad["renewal_date"] = "Use a date like 2027-03-31."
		} else {
			in.RenewalDate = &t
		}
	}
	return in, bad
}

func formOf(a *models.CRMAccount) accountForm {
	f := accountForm{Name: a.Name, Domains: strings.Join(a.Domains, ", "), Currency: a.Currency, Segment: a.Segment,
		Lifecycle: a.Lifecycle, OwnerName: a.OwnerName, OwnerEmail: a.OwnerEmail}
	if a.ARRCents != 0 {
		f.ARR = strconv.FormatFloat(float64(a.ARRCents)/100, 'f', 2, 64)
	}
	if a.RenewalDate != nil {
		f.RenewalDate = a.RenewalDate.Format("2006-01-02")
	}
	return f
}

// accountFormView is what staff_account_form.html receives.
type accountFormView struct {
	ID         int64 // 0 for a new account
	Form       accountForm
	Fields     map[string]string
	Lifecycles []string
}

func (h *Handler) accountFormPage(c echo.Context, status int, v accountFormView) error {
	v.Lifecycles = models.Lifecycles
	title := "New account"
	if v.ID != 0 {
		title = "Edit " + v.Form.Name
	}
	return h.render(c, status, "staff_account_form", h.page(c, title, v))
}

func (h *Handler) newAccount(c echo.Context) error {
	return h.accountFormPage(c, http.StatusOK, accountFormView{Form: accountForm{Currency: h.opts.FX.Currency, Lifecycle: models.LifecycleCustomer}})
}

func (h *Handler) editAccount(c echo.Context) error {
	id, err := accountID(c)
	if err != nil {
		return err
	}
	a, err := models.AccountByID(c.Request().Context(), h.db, h.opts.FX, id)
	if err != nil {
		return err
	}
	if a.Source != models.SourceManual {
		return models.Conflict("This account comes from an import or a CRM sync; change it there.")
	}
	return h.accountFormPage(c, http.StatusOK, accountFormView{ID: id, Form: formOf(&a.CRMAccount)})
}

// saveAccount creates (id 0) or updates a manual account from the form;
// every field error, the form's own and the model's, shows at once.
func (h *Handler) saveAccount(c echo.Context, id int64) error {
	var f accountForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	in, bad := f.input()
	ctx := c.Request().Context()
	var a *models.CRMAccount
	var err error
	if len(bad) > 0 {
		err = in.Validate(models.SourceManual)
	} else if id == 0 {
		a, err = models.CreateManualAccount(ctx, h.db, currentUser(c), in)
	} else {
		a, err = models.UpdateManualAccount(ctx, h.db, currentUser(c), id, in)
	}
	var ve *models.ValidationError
	if errors.As(err, &ve) || (err == nil && len(bad) > 0) {
		fields := map[string]string{}
		if ve != nil {
			for k, m := range ve.Fields {
				fields[k] = m
			}
		}
		for k, m := range bad {
			fields[k] = m
		}
		return h.accountFormPage(c, http.StatusUnprocessableEntity, accountFormView{ID: id, Form: f, Fields: fields})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/staff/accounts/"+itoa(a.ID)+"?notice=saved")
}

func (h *Handler) createAccount(c echo.Context) error { return h.saveAccount(c, 0) }

func (h *Handler) updateAccount(c echo.Context) error {
	id, err := accountID(c)
	if err != nil {
		return err
	}
	return h.saveAccount(c, id)
}

func (h *Handler) confirmDeleteAccount(c echo.Context) error {
	id, err := accountID(c)
	if err != nil {
		return err
	}
	a, err := models.AccountByID(c.Request().Context(), h.db, h.opts.FX, id)
	if err != nil {
		return err
	}
	return h.confirmPage(c, confirmView{
		Heading: "Delete this account?",
		Message: `"` + a.Name + `" goes with its domains, opportunities and idea links; every idea's demand drops it. Members keep their votes.`,
		Action:  "/staff/accounts/" + itoa(id) + "/delete", Button: "Delete account", Cancel: "/staff/accounts/" + itoa(id),
	})
}

func (h *Handler) deleteAccountForm(c echo.Context) error {
	id, err := accountID(c)
	if err != nil {
		return err
	}
	if err := models.DeleteCRMAccount(c.Request().Context(), h.db, currentUser(c), id); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/staff/accounts?notice=acct-deleted")
}

// memberForm is the input of the member link forms.
type memberForm struct {
	Member string `form:"member"`
	UserID int64  `form:"user_id"`
}

func (h *Handler) linkMemberForm(c echo.Context) error {
	id, err := accountID(c)
	if err != nil {
		return err
	}
	var f memberForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	_, err = models.LinkMember(c.Request().Context(), h.db, currentUser(c), id, f.Member)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return h.accountPage(c, http.StatusUnprocessableEntity, accountView{Member: f.Member, Fields: ve.Fields})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/staff/accounts/"+itoa(id)+"?notice=member-added#members")
}

func (h *Handler) removeMemberForm(c echo.Context) error {
	id, err := accountID(c)
	if err != nil {
		return err
	}
	var f memberForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	if err := models.RemoveMember(c.Request().Context(), h.db, currentUser(c), id, f.UserID); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/staff/accounts/"+itoa(id)+"?notice=member-gone#members")
}
