package models_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/models"
)

// TestNewAccountsPerIPLimit: an address may create signups_per_ip_per_hour
// accounts in any hour; beyond that sign-ins that would create one are
// refused, while existing members keep signing in from it.
func TestNewAccountsPerIPLimit(t *testing.T) {
	db := limitsDB(t, "") // the default: 3 an hour
	const ip = "203.0.113.7"
	profile := func(n int, ip string) models.Profile {
		return models.Profile{Provider: "github", ProviderUserID: fmt.Sprint(1000 + n),
			Email: fmt.Sprintf("person%d@example.com", n), EmailVerified: true, Name: fmt.Sprintf("Person %d", n), ClientIP: ip}
	}
	var first *models.User
	for n := 1; n <= 3; n++ {
		u, err := models.SignIn(ctx, db, profile(n, ip), nil)
		if err != nil {
			t.Fatalf("account %d: %v", n, err)
		}
		if first == nil {
			first = u
		}
	}
	_, err := models.SignIn(ctx, db, profile(4, ip), nil)
	rl := wantRateLimit(t, "fourth new account from the address", err, 59*time.Minute, time.Hour)
	if !errors.Is(err, models.ErrRateLimited) || rl.Message == "" {
		t.Errorf("refusal: %v", err)
	}
	var users int64
	db.Table("users").Count(&users)
	if users != 3 {
		t.Errorf("%d users after a refused sign-up, want 3", users)
	}
	// An existing member signs in from the same address as often as they like.
	for i := 0; i < 5; i++ {
		u, err := models.SignIn(ctx, db, profile(1, ip), nil)
		if err != nil || u.ID != first.ID {
			t.Fatalf("existing member signing in again: %+v %v", u, err)
		}
	}
	// Other addresses are counted on their own.
	if _, err := models.SignIn(ctx, db, profile(5, "198.51.100.20"), nil); err != nil {
		t.Errorf("new account from another address: %v", err)
	}
	// The window slides: an hour later the address may create accounts again.
	ageRate(t, db, "signup:"+ip, "61 minutes")
	if _, err := models.SignIn(ctx, db, profile(4, ip), nil); err != nil {
		t.Errorf("new account an hour later: %v", err)
	}
	// The limit is a setting.
	db.Exec(`UPDATE site_settings SET signups_per_ip_per_hour = 1`)
	_, err = models.SignIn(ctx, db, profile(6, "198.51.100.20"), nil)
	wantRateLimit(t, "second account with a limit of 1", err, 59*time.Minute, time.Hour)
}

// TestNewAccountsPerIPLimitUnderBurst: the attack was nine sign-ups in 80 ms;
// fired at once, exactly the allowed number get through.
func TestNewAccountsPerIPLimitUnderBurst(t *testing.T) {
	db := limitsDB(t, "")
	var wg sync.WaitGroup
	errs := make([]error, 9)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = models.SignIn(ctx, db, models.Profile{Provider: "github", ProviderUserID: fmt.Sprint(i),
				Email: fmt.Sprintf("burst%d@example.com", i), EmailVerified: true, ClientIP: "203.0.113.99"}, nil)
		}()
	}
	wg.Wait()
	ok, limited := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, models.ErrRateLimited):
			limited++
		default:
			t.Errorf("sign-up: %v", err)
		}
	}
	var users int64
	db.Table("users").Count(&users)
	if ok != 3 || limited != 6 || users != 3 {
		t.Errorf("%d sign-ups accepted, %d refused, %d users; want 3, 6, 3", ok, limited, users)
	}
}
