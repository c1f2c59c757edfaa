package models_test

import (
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// The tag filter finds exactly the ideas carrying the tag, whatever its case
// in the query.
func TestListFiltersByTag(t *testing.T) {
	db := openDB(t)
	ann := newUser(t, db, "Ann")
	tagged, err := models.CreateIdea(ctx, db, ann, models.IdeaInput{Title: "Sync accounts to the CRM", Tags: []string{"salesforce", "crm"}})
	if err != nil {
		t.Fatal(err)
	}
	newIdea(t, db, ann, "An idea without tags")
	for _, tag := range []string{"salesforce", "Salesforce", "crm"} {
		p, err := models.ListIdeas(ctx, db, nil, models.ListQuery{Tag: tag, Page: models.NewPage(1, 10)})
		if err != nil {
			t.Fatalf("tag %q: %v", tag, err)
		}
		if len(p.Ideas) != 1 || p.Ideas[0].ID != tagged.ID || p.Page.Total != 1 {
			t.Errorf("tag %q: %d ideas, total %d", tag, len(p.Ideas), p.Page.Total)
		}
	}
	p, err := models.ListIdeas(ctx, db, nil, models.ListQuery{Tag: "sales", Page: models.NewPage(1, 10)})
	if err != nil || len(p.Ideas) != 0 {
		t.Errorf("a tag prefix matched: %v %+v", err, p)
	}
}
