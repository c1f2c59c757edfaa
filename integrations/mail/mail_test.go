package mail_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/integrations/mail"
	"github.com/crowdwise/crowdwise/integrations/mail/mailtest"
)

func testMessage() *mail.Message {
	return &mail.Message{
		From:    "Crowdwise <ideas@example.com>",
		To:      "ann@example.com",
		ToName:  "Ann Ö",
		Subject: `"Dark mode" is now Planned — ünïcode`,
		Text:    "Hello Ann,\nplain text body with a long line " + strings.Repeat("x", 200),
		HTML:    "<p>Hello <b>Ann</b></p>",
		Date:    time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Headers: map[string]string{
			"List-Unsubscribe":      "<https://ideas.example.com/unsubscribe?t=abc>",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		},
	}
}

func TestSMTPWithSTARTTLSAndAuth(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{Username: "crowdwise", Password: "p@ss word", STARTTLS: true})
	s, err := mail.ParseURL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	s.TLSConfig = srv.TLSConfig
	if err := s.Send(context.Background(), testMessage()); err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("received %d messages, want 1", len(got))
	}
	r := got[0]
	if !r.TLS || r.User != "crowdwise" || r.From != "ideas@example.com" || len(r.To) != 1 || r.To[0] != "ann@example.com" {
		t.Errorf("envelope/session: tls=%v user=%q from=%q to=%v", r.TLS, r.User, r.From, r.To)
	}
	m := mailtest.Parse(t, r.Data)
	if m.Subject() != testMessage().Subject {
		t.Errorf("subject = %q", m.Subject())
	}
	if !strings.Contains(m.Text, "plain text body") || !strings.Contains(m.Text, strings.Repeat("x", 200)) {
		t.Errorf("text part: %q", m.Text)
	}
	if m.HTML != "<p>Hello <b>Ann</b></p>" {
		t.Errorf("html part: %q", m.HTML)
	}
	h := m.Header
	if h.Get("List-Unsubscribe") != "<https://ideas.example.com/unsubscribe?t=abc>" || h.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("unsubscribe headers: %v", h)
	}
	if !strings.HasSuffix(h.Get("Message-Id"), "@example.com>") || h.Get("Date") != "Fri, 02 Jan 2026 03:04:05 +0000" || h.Get("Mime-Version") != "1.0" {
		t.Errorf("headers: %v", h)
	}
	if to, _ := h.AddressList("To"); len(to) != 1 || to[0].Name != "Ann Ö" || to[0].Address != "ann@example.com" {
		t.Errorf("To = %v", to)
	}
}

func TestSMTPPlainAuthOnLocalhostWithoutTLS(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{Username: "u", Password: "p"})
	s, err := mail.ParseURL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), testMessage()); err != nil {
		t.Fatal(err)
	}
	if got := srv.Messages(); len(got) != 1 || got[0].TLS || got[0].User != "u" {
		t.Fatalf("received %+v", got)
	}

	// Wrong credentials are an error, not a silent drop.
	bad, _ := mail.ParseURL(strings.Replace(srv.URL, "u:p@", "u:wrong@", 1))
	if err := bad.Send(context.Background(), testMessage()); err == nil || !strings.Contains(err.Error(), "AUTH") {
		t.Errorf("wrong password: %v", err)
	}
}

func TestSMTPReportsRefusalsAndOutages(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	s, _ := mail.ParseURL(srv.URL)
	srv.FailWith(mailtest.TempFailure())
	err := s.Send(context.Background(), testMessage())
	if err == nil || !strings.Contains(err.Error(), "451") {
		t.Errorf("refused message: %v", err)
	}
	if len(srv.Messages()) != 0 {
		t.Error("a refused message was kept")
	}

	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	down, _ := mail.ParseURL("smtp://" + addr)
	if err := down.Send(context.Background(), testMessage()); err == nil || !strings.Contains(err.Error(), "connect") {
		t.Errorf("server down: %v", err)
	}

	// A cancelled context stops a delivery promptly.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, testMessage()); err == nil {
		t.Error("send with a cancelled context succeeded")
	}
}

func TestParseURL(t *testing.T) {
	good := map[string]string{
		"smtp://mail.example.com":           "smtp://mail.example.com:587",
		"smtp://u:p@mail.example.com:2525":  "smtp://mail.example.com:2525",
		"smtps://u:p@mail.example.com":      "smtps://mail.example.com:465",
		"smtp://apikey:s%2Fecret@[::1]:25/": "smtp://[::1]:25",
	}
	for in, want := range good {
		s, err := mail.ParseURL(in)
		if err != nil || s.String() != want {
			t.Errorf("ParseURL(%q) = %v, %v; want %s", in, s, err, want)
		}
	}
	for _, in := range []string{"", "mail.example.com:587", "http://mail.example.com", "smtp://", "smtp://u:secretpw@host/path", "smtp://host?x=1", "smtp://u:secret pw@ho st"} {
		_, err := mail.ParseURL(in)
		if err == nil {
			t.Errorf("ParseURL(%q) succeeded", in)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("error leaks the password: %v", err)
		}
	}
}

func TestMessageRefusesHeaderInjection(t *testing.T) {
	m := testMessage()
	m.Subject = "Hi\r\nBcc: victim@example.com"
	b, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("\r\nBcc:")) {
		t.Errorf("subject injected a header:\n%s", b)
	}
	m = testMessage()
	m.Headers["List-Unsubscribe"] = "<x>\r\nBcc: victim@example.com"
	if _, err := m.Bytes(); !errors.Is(err, mail.ErrInvalidMessage) {
		t.Errorf("header with a line break: %v", err)
	}
	m = testMessage()
	m.To = "not an address"
	if _, err := m.Bytes(); !errors.Is(err, mail.ErrInvalidMessage) {
		t.Errorf("bad To: %v", err)
	}
}

func TestLogSenderLogsOneShortLine(t *testing.T) {
	var buf bytes.Buffer
	s := mail.LogSender{Logger: slog.New(slog.NewTextHandler(&buf, nil))}
	m := testMessage()
	m.Text = strings.Repeat("A long body that must stay out of the log. ", 200)
	m.HTML = "<p>" + m.Text + "</p>"
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	raw, _ := m.Bytes()
	if !strings.Contains(out, "level=INFO") || !strings.Contains(out, "ann@example.com") || !strings.Contains(out, "Dark mode") ||
		!regexp.MustCompile(`bytes=\d+`).MatchString(out) || !strings.Contains(out, fmt.Sprintf("bytes=%d", len(raw))) {
		t.Errorf("log lacks recipient, subject or size: %s", out)
	}
	if strings.Count(out, "\n") != 1 || len(out) > 300 || strings.Contains(out, "must stay out") || strings.Contains(out, "List-Unsubscribe") {
		t.Errorf("want one short line without body or headers, got %d bytes:\n%s", len(out), out)
	}
	// What SMTP would refuse is refused here too.
	buf.Reset()
	m.To = "not an address"
	if err := s.Send(context.Background(), m); !errors.Is(err, mail.ErrInvalidMessage) || buf.Len() != 0 {
		t.Errorf("invalid message: %v, logged %q", err, buf.String())
	}
}
