package main

import (
	"strings"
	"time"

	"github.com/crowdwise/crowdwise/integrations/hubspot"
	"github.com/crowdwise/crowdwise/integrations/outbound"
	"github.com/crowdwise/crowdwise/integrations/salesforce"
	"github.com/crowdwise/crowdwise/models"
)

// crmConfig is which CRMs to sync and how often. A CRM is on when its
// credentials are set.
type crmConfig struct {
	Salesforce *salesforce.Config
	HubSpot    *hubspot.Config
	// SyncInterval is how often each CRM is synced; 0 only on demand.
	SyncInterval time.Duration
}

// loadCRM reads SALESFORCE_*, HUBSPOT_* and CRM_SYNC_INTERVAL.
func loadCRM(c *config, getenv func(string) string) error {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	if u, id, secret := get("SALESFORCE_URL"), get("SALESFORCE_CLIENT_ID"), get("SALESFORCE_CLIENT_SECRET"); u != "" || id != "" || secret != "" {
		sf := &salesforce.Config{URL: u, ClientID: id, ClientSecret: secret, APIVersion: get("SALESFORCE_API_VERSION"),
			ARRField: get("SALESFORCE_ARR_FIELD"), SegmentField: get("SALESFORCE_SEGMENT_FIELD")}
		if err := sf.Validate(); err != nil {
			return &configError{"SALESFORCE_*", err.Error()}
		}
		if c.production() && !strings.HasPrefix(sf.URL, "https://") {
			return &configError{"SALESFORCE_URL", "must use https in production"}
		}
		c.CRM.Salesforce = sf
	}
	if tok := get("HUBSPOT_TOKEN"); tok != "" {
		hs := &hubspot.Config{URL: get("HUBSPOT_URL"), Token: tok, ARRProperty: get("HUBSPOT_ARR_PROPERTY"),
			SegmentProperty: get("HUBSPOT_SEGMENT_PROPERTY")}
		if err := hs.Validate(); err != nil {
			return &configError{"HUBSPOT_*", err.Error()}
		}
		if c.production() && !strings.HasPrefix(hs.URL, "https://") {
			return &configError{"HUBSPOT_URL", "must use https in production"}
		}
		c.CRM.HubSpot = hs
	}
	raw := get("CRM_SYNC_INTERVAL")
	if raw == "" {
		raw = "1h"
	}
	d, err := time.ParseDuration(raw)
	if raw == "0" {
		d, err = 0, nil
	}
	if err != nil || d < 0 || (d > 0 && d < time.Minute) {
		return &configError{"CRM_SYNC_INTERVAL", `must be a duration of at least 1m, such as "1h", or 0 to sync only on demand`}
	}
	c.CRM.SyncInterval = d
	return nil
}

// crmClients are the configured CRM clients, built once per process and
// handed to the job queue (syncs now; write-backs use the same clients).
type crmClients struct {
	Salesforce *salesforce.Client
	HubSpot    *hubspot.Client
}

// crmOutbound is the outbound policy for CRM APIs: a query page of 2,000
// Salesforce records is megabytes, and a big query takes a while.
func crmOutbound(p outbound.Policy) outbound.Policy {
	p.Timeout = 60 * time.Second
	p.MaxResponseBytes = 64 << 20
	return p
}

func (c crmConfig) clients(p outbound.Policy) (crmClients, error) {
	var out crmClients
	hc := outbound.New(crmOutbound(p))
	var err error
	if c.Salesforce != nil {
		if out.Salesforce, err = salesforce.New(*c.Salesforce, hc); err != nil {
			return out, err
		}
	}
	if c.HubSpot != nil {
		if out.HubSpot, err = hubspot.New(*c.HubSpot, hc); err != nil {
			return out, err
		}
	}
	return out, nil
}

// sources are the clients as sync sources, in a fixed order.
func (cc crmClients) sources() []models.CRMSource {
	var out []models.CRMSource
	if cc.Salesforce != nil {
		out = append(out, cc.Salesforce)
	}
	if cc.HubSpot != nil {
		out = append(out, cc.HubSpot)
	}
	return out
}

// sourceNames are the configured sources' names.
func (c crmConfig) sourceNames() []string {
	var out []string
	if c.Salesforce != nil {
		out = append(out, models.SourceSalesforce)
	}
	if c.HubSpot != nil {
		out = append(out, models.SourceHubSpot)
	}
	return out
}
