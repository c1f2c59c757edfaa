package handlers

import (
	"encoding/xml"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// Atom 1.0 (RFC 4287) types for the changelog feed.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomEntry struct {
	Title   string     `xml:"title"`
	ID      string     `xml:"id"`
	Updated string     `xml:"updated"`
	Link    atomLink   `xml:"link"`
	Content atomText   `xml:"content"`
	Author  atomAuthor `xml:"author"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

// changelogAtom is the changelog as an Atom feed of the 50 latest ships.
func (h *Handler) changelogAtom(c echo.Context) error {
	entries, err := models.ChangelogFeed(c.Request().Context(), h.db, 50)
	if err != nil {
		return err
	}
	base := h.opts.BaseURL.String()
	feed := atomFeed{
		Title: "Crowdwise changelog", ID: base + "/changelog",
		Updated: time.Unix(0, 0).UTC().Format(time.RFC3339),
		Links:   []atomLink{{Href: base + "/changelog.atom", Rel: "self"}, {Href: base + "/changelog", Rel: "alternate", Type: "text/html"}},
	}
	for i, e := range entries {
		if i == 0 {
			feed.Updated = e.ShippedAt.UTC().Format(time.RFC3339)
		}
		content := e.ReleaseHTML
		if content == "" {
			content = e.BodyHTML
		}
		feed.Entries = append(feed.Entries, atomEntry{
			Title: e.Title, ID: base + e.URL(), Updated: e.ShippedAt.UTC().Format(time.RFC3339),
			Link: atomLink{Href: base + e.URL(), Rel: "alternate"}, Content: atomText{Type: "html", Body: content},
			Author: atomAuthor{Name: "Crowdwise"},
		})
	}
	out, err := xml.MarshalIndent(feed, "", "  ")
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "application/atom+xml; charset=utf-8", append([]byte(xml.Header), out...))
}
