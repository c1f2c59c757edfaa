package models

import (
	"context"

	"gorm.io/gorm"
)

// renderedColumns are the Markdown sources stored beside their rendered HTML.
// Fixed names, never input.
var renderedColumns = []struct{ table, source, html string }{
	{"ideas", "body", "body_html"},
	{"comments", "body", "body_html"},
	{"idea_status_changes", "note", "note_html"},
	{"idea_status_changes", "release_note", "release_html"},
}

// RerenderMarkdown renders every stored Markdown source again with the
// current renderer and stores the HTML where it changed, returning how many
// rows changed. HTML is rendered on write, so a renderer change (raw HTML
// shown as text instead of dropped) reaches old posts only through this; it
// is the `crowdwise rerender` command. It touches only the HTML columns (no
// edited or updated times) and works in batches, so it can run beside a
// live site; a row edited meanwhile is skipped, its new HTML being current.
func RerenderMarkdown(ctx context.Context, db *gorm.DB) (int64, error) {
	db = db.WithContext(ctx)
	var changed int64
	for _, col := range renderedColumns {
		var after int64
		for {
			var rows []struct {
				ID     int64
				Source string
				HTML   string
			}
			if err := db.Raw(`SELECT id, `+col.source+` AS source, `+col.html+` AS html FROM `+col.table+
				` WHERE id > ? ORDER BY id LIMIT 500`, after).Scan(&rows).Error; err != nil {
				return changed, err
			}
			if len(rows) == 0 {
				break
			}
			for _, r := range rows {
				after = r.ID
				html := md.render(r.Source)
				if r.Source == "" || html == r.HTML {
					continue
				}
				res := db.Exec(`UPDATE `+col.table+` SET `+col.html+` = ? WHERE id = ? AND `+col.source+` = ?`, html, r.ID, r.Source)
				if res.Error != nil {
					return changed, res.Error
				}
				changed += res.RowsAffected
			}
		}
	}
	return changed, nil
}
