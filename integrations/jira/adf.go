package jira

import (
	"strings"

	"github.com/crowdwise/crowdwise/integrations/tracker"
)

// adfNode is one node of an Atlassian Document Format document.
type adfNode struct {
	Type    string    `json:"type"`
	Version int       `json:"version,omitempty"`
	Text    string    `json:"text,omitempty"`
	Marks   []adfMark `json:"marks,omitempty"`
	Content []adfNode `json:"content,omitempty"`
}

type adfMark struct {
	Type  string            `json:"type"`
	Attrs map[string]string `json:"attrs,omitempty"`
}

// description renders the new issue's text as ADF: a paragraph per blank-
// line-separated block, hard breaks for single newlines, the idea link as
// a link mark and the marker as its own paragraph.
func description(in tracker.CreateInput) adfNode {
	doc := adfNode{Type: "doc", Version: 1}
	for _, block := range in.DescriptionLines() {
		for _, para := range strings.Split(strings.ReplaceAll(block, "\r\n", "\n"), "\n\n") {
			if p := paragraph(para, in.IdeaURL); len(p.Content) > 0 {
				doc.Content = append(doc.Content, p)
			}
		}
	}
	return doc
}

func paragraph(text, link string) adfNode {
	p := adfNode{Type: "paragraph"}
	for i, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if i > 0 {
			p.Content = append(p.Content, adfNode{Type: "hardBreak"})
		}
		if line == "" {
			continue // ADF refuses empty text nodes
		}
		if link != "" && strings.HasSuffix(line, link) {
			if pre := strings.TrimSuffix(line, link); pre != "" {
				p.Content = append(p.Content, adfNode{Type: "text", Text: pre})
			}
			p.Content = append(p.Content, adfNode{Type: "text", Text: link,
				Marks: []adfMark{{Type: "link", Attrs: map[string]string{"href": link}}}})
			continue
		}
		p.Content = append(p.Content, adfNode{Type: "text", Text: line})
	}
	return p
}
