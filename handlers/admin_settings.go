package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// adminSettingsView is what admin_settings.html receives. Values are kept
// as typed, so a rejected form shows exactly what the admin entered.
type adminSettingsView struct {
	Limits            []models.SettingLimit
	Values            map[string]string
	FirstPostApproval bool
	Fields            map[string]string
	ReadOnly          bool // staff who are not admins see the limits in effect
}

func (h *Handler) settingsFormPage(c echo.Context, status int, v adminSettingsView) error {
	v.Limits = models.SettingLimits
	return h.render(c, status, "admin_settings", h.page(c, "Site settings", v))
}

// adminSettings shows the anti-abuse settings: editable for admins, read
// only for other staff, who answer members hitting the limits.
func (h *Handler) adminSettings(c echo.Context) error {
	s, err := models.Settings(c.Request().Context(), h.db)
	if err != nil {
		return err
	}
	v := adminSettingsView{Values: map[string]string{}, FirstPostApproval: s.FirstPostApproval,
		ReadOnly: !currentUser(c).HasRole(models.RoleAdmin)}
	for field, n := range s.Values() {
		v.Values[field] = strconv.Itoa(n)
	}
	return h.settingsFormPage(c, http.StatusOK, v)
}

// adminSaveSettings validates and saves the settings (audited); errors show
// the form again with 422.
func (h *Handler) adminSaveSettings(c echo.Context) error {
	v := adminSettingsView{Values: map[string]string{}, FirstPostApproval: c.FormValue("first_post_approval") == "true"}
	fields := &models.ValidationError{}
	nums := map[string]int{}
	for _, l := range models.SettingLimits {
		raw := strings.TrimSpace(c.FormValue(l.Field))
		v.Values[l.Field] = raw
		n, err := strconv.Atoi(raw)
		if err != nil {
			fields.Add(l.Field, "Enter a whole number.")
		}
		nums[l.Field] = n
	}
	in := models.NewSettingsInput(v.FirstPostApproval, nums)
	// Report range errors for the fields that did parse, too.
	if err := in.Validate(); err != nil {
		var ve *models.ValidationError
		if errors.As(err, &ve) {
			for k, msg := range ve.Fields {
				fields.Add(k, msg)
			}
		}
	}
	err := fields.Err()
	if err == nil {
		_, err = models.UpdateSettings(c.Request().Context(), h.db, currentUser(c), in)
	}
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		v.Fields = ve.Fields
		return h.settingsFormPage(c, http.StatusUnprocessableEntity, v)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/settings?notice=saved")
}
