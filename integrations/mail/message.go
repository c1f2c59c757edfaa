// Package mail sends email: a Message that renders itself as a
// multipart/alternative RFC 5322 message, an SMTP sender, and a log sender
// for development. It knows nothing about ideas or users; models builds the
// messages and decides when to send them.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"sort"
	"strings"
	"time"
)

// Sender delivers one message. Implementations must be safe for concurrent use.
type Sender interface {
	Send(ctx context.Context, m *Message) error
}

// Message is one email with a plain-text and an HTML body.
type Message struct {
	From      string // "Crowdwise <ideas@example.com>" or a bare address
	To        string // a bare address
	ToName    string // optional display name
	Subject   string
	Text      string
	HTML      string
	Date      time.Time // zero: now
	MessageID string    // without angle brackets; generated when empty
	// Headers are extra header fields, e.g. List-Unsubscribe.
	Headers map[string]string
}

// ErrInvalidMessage wraps every reason a message cannot be rendered.
var ErrInvalidMessage = errors.New("mail: invalid message")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidMessage}, args...)...)
}

// Envelope returns the SMTP envelope sender and recipient.
func (m *Message) Envelope() (from, to string, err error) {
	f, err := mail.ParseAddress(m.From)
	if err != nil {
		return "", "", invalid("From %q is not an address", m.From)
	}
	t, err := mail.ParseAddress(m.To)
	if err != nil {
		return "", "", invalid("To %q is not an address", m.To)
	}
	return f.Address, t.Address, nil
}

// Bytes renders the message with CRLF line endings, ready for SMTP DATA.
// Header values with line breaks are refused, so user text in a subject can
// never add a header.
func (m *Message) Bytes() ([]byte, error) {
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return nil, invalid("From %q is not an address", m.From)
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return nil, invalid("To %q is not an address", m.To)
	}
	to.Name = m.ToName
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	id := m.MessageID
	if id == "" {
		id = NewMessageID(from.Address)
	}

	var b bytes.Buffer
	header := func(k, v string) error {
		if strings.ContainsAny(k+v, "\r\n") {
			return invalid("header %s contains a line break", k)
		}
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		return nil
	}
	// The writer only writes when a part starts, so the header can go
	// into the same buffer first.
	mw := multipart.NewWriter(&b)
	fields := [][2]string{
		{"From", from.String()},
		{"To", to.String()},
		{"Subject", mime.QEncoding.Encode("utf-8", m.Subject)},
		{"Date", date.Format(time.RFC1123Z)},
		{"Message-ID", "<" + id + ">"},
		{"MIME-Version", "1.0"},
		{"Content-Type", `multipart/alternative; boundary="` + mw.Boundary() + `"`},
	}
	extra := make([]string, 0, len(m.Headers))
	for k := range m.Headers {
		extra = append(extra, k)
	}
	sort.Strings(extra)
	for _, k := range extra {
		fields = append(fields, [2]string{textproto.CanonicalMIMEHeaderKey(k), m.Headers[k]})
	}
	for _, f := range fields {
		if err := header(f[0], f[1]); err != nil {
			return nil, err
		}
	}
	b.WriteString("\r\n")

	for _, part := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write([]byte(crlf(part.body))); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// crlf normalises line endings: quoted-printable keeps CRLF pairs as hard
// line breaks and SMTP wants nothing else.
func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

// NewMessageID returns a random Message-ID (without brackets) in the
// domain of addr.
func NewMessageID(addr string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b) + "@" + Domain(addr)
}

// Domain is the part of addr after the last @, or "localhost".
func Domain(addr string) string {
	if a, err := mail.ParseAddress(addr); err == nil {
		addr = a.Address
	}
	if at := strings.LastIndex(addr, "@"); at >= 0 && at < len(addr)-1 {
		return addr[at+1:]
	}
	return "localhost"
}
