package models_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

func TestIdeaListCRMSortsAndFiltersForProductManagers(t *testing.T) {
	f := newDemandFixture(t)
	db := f.db
	small := newIdea(t, db, f.author, "Small idea with Euro interest")
	none := newIdea(t, db, f.author, "Idea nobody paid for")
	f.vote(t, f.alice)                                                // Acme on f.idea
	if _, err := models.Vote(ctx, db, f.carl, small.ID); err != nil { // Euro on small
		t.Fatal(err)
	}
	if _, _, err := models.LinkIdeaAccount(ctx, db, f.pm, small.ID, f.yen, models.LinkInput{}); err != nil { // Yen too (no rate)
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ { // the unpaid idea is the most voted
		u := newUser(t, db, "Voter "+string(rune('A'+i)))
		if err := db.Exec(`UPDATE users SET email = 'v' || id || '@nowhere.test' WHERE id = ?`, u.ID).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := models.Vote(ctx, db, u, none.ID); err != nil {
			t.Fatal(err)
		}
	}
	list := func(viewer *models.User, q models.ListQuery) ([]int64, error) {
		q.Page, q.FX = models.NewPage(1, 10), f.fx
		p, err := models.ListIdeas(ctx, db, viewer, q)
		if err != nil {
			return nil, err
		}
		var ids []int64
		for _, i := range p.Ideas {
			ids = append(ids, i.ID)
		}
		return ids, nil
	}
	for _, c := range []struct {
		q    models.ListQuery
		want []int64
	}{
		{models.ListQuery{Sort: "arr"}, []int64{f.idea.ID, small.ID, none.ID}},               // 100k, 11k (Yen left out), 0
		{models.ListQuery{Sort: "accounts"}, []int64{small.ID, f.idea.ID, none.ID}},          // 2, 1, 0
		{models.ListQuery{Sort: "top", Segment: "SMB"}, []int64{small.ID}},                   // Euro is SMB
		{models.ListQuery{Sort: "top", Segment: "Enterprise"}, []int64{small.ID, f.idea.ID}}, // Yen link, Acme vote
		{models.ListQuery{Sort: "arr", Lifecycle: "prospect"}, nil},
	} {
		got, err := list(f.pm, c.q)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%+v: %v %v, want %v", c.q, got, err, c.want)
		}
	}
	// Members: the CRM sorts are unknown, the filters ignored.
	var v *models.ValidationError
	if _, err := list(f.alice, models.ListQuery{Sort: "arr"}); !errors.As(err, &v) || v.Fields["sort"] == "" {
		t.Errorf("member sort=arr: %v", err)
	}
	if got, err := list(f.alice, models.ListQuery{Sort: "top", Segment: "SMB"}); err != nil || len(got) != 3 {
		t.Errorf("member segment filter: %v %v, want it ignored", got, err)
	}
	if _, err := list(f.pm, models.ListQuery{Sort: "top", Lifecycle: "gone"}); !errors.As(err, &v) || v.Fields["lifecycle"] == "" {
		t.Errorf("bad lifecycle: %v", err)
	}
}
