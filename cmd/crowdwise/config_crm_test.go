package main

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestCRMConfig(t *testing.T) {
	base := map[string]string{"DATABASE_URL": "postgres://u@localhost/db"}
	with := func(kv map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range kv {
			m[k] = v
		}
		return m
	}
	cfg, err := loadConfig(env(base))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CRM.Salesforce != nil || cfg.CRM.HubSpot != nil || cfg.CRM.SyncInterval != time.Hour || len(cfg.CRM.sourceNames()) != 0 {
		t.Errorf("defaults: %+v", cfg.CRM)
	}
	cfg, err = loadConfig(env(with(map[string]string{
		"SALESFORCE_URL": "https://acme.my.salesforce.com", "SALESFORCE_CLIENT_ID": "id", "SALESFORCE_CLIENT_SECRET": "secret",
		"HUBSPOT_TOKEN": "pat-na1-x", "CRM_SYNC_INTERVAL": "0",
	})))
	if err != nil {
		t.Fatal(err)
	}
	sf, hs := cfg.CRM.Salesforce, cfg.CRM.HubSpot
	if sf == nil || sf.APIVersion != "v60.0" || sf.ARRField != "AnnualRevenue" || sf.SegmentField != "Type" ||
		hs == nil || hs.URL != "https://api.hubapi.com" || hs.ARRProperty != "annualrevenue" || hs.SegmentProperty != "industry" ||
		cfg.CRM.SyncInterval != 0 || !slices.Equal(cfg.CRM.sourceNames(), []string{"salesforce", "hubspot"}) {
		t.Errorf("configured: %+v %+v %+v", sf, hs, cfg.CRM)
	}
	clients, err := cfg.CRM.clients(cfg.Outbound)
	if err != nil || clients.Salesforce == nil || clients.HubSpot == nil || len(clients.sources()) != 2 {
		t.Errorf("clients: %+v %v", clients, err)
	}
	for name, kv := range map[string]map[string]string{
		"id without secret":  {"SALESFORCE_URL": "https://a.my.salesforce.com", "SALESFORCE_CLIENT_ID": "id"},
		"SOQL in a field":    {"SALESFORCE_URL": "https://a.my.salesforce.com", "SALESFORCE_CLIENT_ID": "i", "SALESFORCE_CLIENT_SECRET": "s", "SALESFORCE_ARR_FIELD": "Id FROM User"},
		"bad version":        {"SALESFORCE_URL": "https://a.my.salesforce.com", "SALESFORCE_CLIENT_ID": "i", "SALESFORCE_CLIENT_SECRET": "s", "SALESFORCE_API_VERSION": "60"},
		"bad property":       {"HUBSPOT_TOKEN": "t", "HUBSPOT_SEGMENT_PROPERTY": "a,b"},
		"bad HubSpot URL":    {"HUBSPOT_TOKEN": "t", "HUBSPOT_URL": "api.hubapi.com"},
		"interval":           {"CRM_SYNC_INTERVAL": "hourly"},
		"too short interval": {"CRM_SYNC_INTERVAL": "5s"},
	} {
		_, err := loadConfig(env(with(kv)))
		var ce *configError
		if !errors.As(err, &ce) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}
