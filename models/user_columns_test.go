package models

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm/schema"
)

// TestUserColumnsAreEveryField: the session and token look-ups scan
// userColumns by hand; a column added to User must be added there too, in
// the same order as scanTargets, or signed-in requests would load it empty.
func TestUserColumnsAreEveryField(t *testing.T) {
	s, err := schema.Parse(&User{}, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range s.Fields {
		if f.DBName != "" {
			want = append(want, "u."+f.DBName)
		}
	}
	if got := strings.Split(userColumns, ", "); !slices.Equal(got, want) {
		t.Errorf("userColumns %v, want User's columns %v", got, want)
	}
	if n := len(new(User).scanTargets()); n != len(want) {
		t.Errorf("scanTargets has %d targets for %d columns", n, len(want))
	}
}
