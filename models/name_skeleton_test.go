package models

import "testing"

func TestNameSkeletonMatchesLookAlikes(t *testing.T) {
	same := map[string][]string{
		"Maria Lopez": {"maria lopez", "MARIA LOPEZ", "Maria  López", "maria.lopez", "MariaLopez",
			"Mаria Lopez", // Cyrillic а
			"Μaria Lοpez", // Greek Μ and ο
			"Ｍａｒｉａ Ｌｏｐｅｚ", // fullwidth
			"𝐌𝐚𝐫𝐢𝐚 𝐋𝐨𝐩𝐞𝐳", // mathematical bold
			"Maria L0pez", "Mar1a Lopez", "MarIa Lopez",
			"Ma\u200bria Lopez", // zero-width space
			"Mari\u0301a Lopez", // combining accent
		},
		"Tom Brown": {"Tom Brovvn", "Tom Browп"},
		"Hamid":     {"Harnid"},
	}
	for name, alikes := range same {
		want := nameSkeleton(name)
		for _, a := range alikes {
			if got := nameSkeleton(a); got != want {
				t.Errorf("skeleton(%q) = %q, skeleton(%q) = %q: want equal", a, got, name, want)
			}
		}
	}
	for _, pair := range [][2]string{{"Maria Lopez", "Mario Lopez"}, {"Ann", "Anne"}, {"Tom", "Tim"}} {
		if nameSkeleton(pair[0]) == nameSkeleton(pair[1]) {
			t.Errorf("%q and %q share a skeleton", pair[0], pair[1])
		}
	}
}

func TestRoleLikeNames(t *testing.T) {
	for _, name := range []string{
		"admin", "Admin", "ADMIN", "Аdmin" /* Cyrillic А */, "Adm1n", "AdmIn", "ａｄｍｉｎ", "A d m i n", "a.d.m.i.n",
		"Admin2", "The Admin", "TheAdmin", "Bob (admin)", "administrator", "Moderator", "mod", "Staff",
		"Ѕtaff" /* Cyrillic Ѕ */, "staff ✓", "Team", "Crowdwise", "Crowdwise Team", "Official", "Support",
		"Product Manager", "product_manager", "ProductManager", "Community Manager", "𝐒𝐭𝐚𝐟𝐟", "Sta\u200bff",
	} {
		if !roleLike(name) {
			t.Errorf("roleLike(%q) = false, want true", name)
		}
	}
	for _, name := range []string{
		"Ann", "Staffan Berg", "Badminton fan", "Modesto", "Teammate", "Adminah", "Member", "Maria Lopez",
		"Product lover", "Teresa",
	} {
		if roleLike(name) {
			t.Errorf("roleLike(%q) = true, want false", name)
		}
	}
}
