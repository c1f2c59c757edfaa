package models

import (
	"context"

	"github.com/crowdwise/crowdwise/integrations/hubspot"
	"github.com/crowdwise/crowdwise/integrations/salesforce"
)

// SalesforceWriter writes back to Salesforce as a completed Task on the
// account (WhatId); a Task already there with the marker is adopted.
func SalesforceWriter(c *salesforce.Client) CRMWriter { return sfWriter{c} }

type sfWriter struct{ c *salesforce.Client }

func (w sfWriter) Source() string { return SourceSalesforce }

func (w sfWriter) WriteBack(ctx context.Context, accountID string, n WriteBackNote) error {
	if id, err := w.c.FindTask(ctx, accountID, n.Subject, n.Marker); err != nil || id != "" {
		return err
	}
	_, err := w.c.CreateTask(ctx, salesforce.TaskInput{WhatID: accountID, Subject: n.Subject, Description: n.Body})
	return err
}

// HubSpotWriter writes back to HubSpot as a note on the company's timeline;
// a note already there with the marker is adopted.
func HubSpotWriter(c *hubspot.Client) CRMWriter { return hsWriter{c} }

type hsWriter struct{ c *hubspot.Client }

func (w hsWriter) Source() string { return SourceHubSpot }

func (w hsWriter) WriteBack(ctx context.Context, companyID string, n WriteBackNote) error {
	if id, err := w.c.FindNote(ctx, companyID, n.Ref, n.Marker); err != nil || id != "" {
		return err
	}
	_, err := w.c.CreateNote(ctx, companyID, n.Body, n.At)
	return err
}
