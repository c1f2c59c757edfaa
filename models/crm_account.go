package models

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// Where an account came from. Each source keys its accounts by its own
// external id, so re-importing or re-syncing updates instead of duplicating.
const (
	SourceManual     = "manual"
	SourceCSV        = "csv"
	SourceSalesforce = "salesforce"
	SourceHubSpot    = "hubspot"
)

// Account lifecycles.
const (
	LifecycleProspect = "prospect"
	LifecycleCustomer = "customer"
	LifecycleChurned  = "churned"
)

// Opportunity states.
const (
	OpportunityOpen = "open"
	OpportunityWon  = "won"
	OpportunityLost = "lost"
)

var (
	// CRMSources lists every account source.
	CRMSources = []string{SourceManual, SourceCSV, SourceSalesforce, SourceHubSpot}
	// Lifecycles lists every lifecycle in display order.
	Lifecycles = []string{LifecycleProspect, LifecycleCustomer, LifecycleChurned}
)

// CRMAccount is a customer company. ARRCents is in Currency.
type CRMAccount struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	Domains     Tags       `json:"domains"`
	Source      string     `json:"source"`
	ExternalID  *string    `json:"external_id"`
	ARRCents    int64      `json:"arr_cents"`
	Currency    string     `json:"currency"`
	Segment     string     `json:"segment"`
	Lifecycle   string     `json:"lifecycle"`
	OwnerName   string     `json:"owner_name"`
	OwnerEmail  string     `json:"owner_email"`
	RenewalDate *time.Time `json:"renewal_date" gorm:"type:date"`
	SyncedAt    *time.Time `json:"-"`
	CreatedAt   time.Time  `json:"-"`
	UpdatedAt   time.Time  `json:"-"`
}

func (CRMAccount) TableName() string { return "crm_accounts" }

// CRMOpportunity is an open, won or lost deal of an account.
type CRMOpportunity struct {
	ID          int64      `json:"id"`
	AccountID   int64      `json:"-"`
	Source      string     `json:"-"`
	ExternalID  *string    `json:"-"`
	Name        string     `json:"name"`
	AmountCents int64      `json:"amount_cents"`
	Stage       string     `json:"stage"`
	CloseDate   *time.Time `json:"close_date" gorm:"type:date"`
	State       string     `json:"state"`
	SyncedAt    *time.Time `json:"-"`
	CreatedAt   time.Time  `json:"-"`
	UpdatedAt   time.Time  `json:"-"`
}

func (CRMOpportunity) TableName() string { return "crm_opportunities" }

// webmailDomains are public mail services: a domain anyone can sign up at
// says nothing about a member's company, so it can never be an account's.
var webmailDomains = []string{
	"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "hotmail.fr",
	"live.com", "msn.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "ymail.com", "rocketmail.com",
	"icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com", "pm.me",
	"gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "yandex.com", "yandex.ru", "mail.ru",
	"zoho.com", "fastmail.com", "hey.com", "tutanota.com", "tuta.io", "qq.com", "163.com", "126.com",
	"naver.com", "orange.fr", "free.fr", "laposte.net", "t-online.de", "comcast.net", "att.net",
	"verizon.net", "btinternet.com", "rediffmail.com", "seznam.cz", "libero.it", "wp.pl",
}

// IsWebmailDomain reports whether d is a public mail service.
func IsWebmailDomain(d string) bool {
	return slices.Contains(webmailDomains, strings.ToLower(d))
}

var domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// NormalizeDomain turns what people type or CRMs store as a website
// ("https://www.Example.com/about", "example.com.") into a bare lower-case
// domain, or "" when nothing domain-like is left.
func NormalizeDomain(s string) string {
	d := strings.ToLower(strings.TrimSpace(s))
	if i := strings.Index(d, "://"); i >= 0 {
		d = d[i+3:]
	}
	if i := strings.IndexAny(d, "/?#"); i >= 0 {
		d = d[:i]
	}
	if i := strings.LastIndex(d, "@"); i >= 0 {
		d = d[i+1:]
	}
	if i := strings.LastIndex(d, ":"); i >= 0 {
		d = d[:i]
	}
	d = strings.TrimPrefix(strings.TrimSuffix(d, "."), "www.")
	if len(d) > 253 || !domainPattern.MatchString(d) {
		return ""
	}
	return d
}

// checkDomains normalises an account's domains, reporting the first that is
// not a domain or is a public mail service.
func checkDomains(raw []string) (Tags, string) {
	out := Tags{}
	for _, r := range raw {
		if strings.TrimSpace(r) == "" {
			continue
		}
		d := NormalizeDomain(r)
		switch {
		case d == "":
			return nil, strings.TrimSpace(r) + " is not a domain."
		case IsWebmailDomain(d):
			return nil, d + " is a public email service; it cannot identify an account."
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	if len(out) > 50 {
		return nil, "An account has at most 50 domains."
	}
	return out, ""
}
