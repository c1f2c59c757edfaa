package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/url"
	"time"
)

// SMTP sends each message over a fresh connection to one submission server.
// A connection per message keeps the sender stateless and safe for
// concurrent use; notification volume is far below where pooling matters.
type SMTP struct {
	addr        string // host:port
	host        string
	implicitTLS bool
	username    string
	password    string

	// TLSConfig, when set, is used for STARTTLS and smtps (e.g. a private
	// CA); ServerName is always the URL's host.
	TLSConfig *tls.Config
	// Timeout bounds one delivery when ctx has no earlier deadline.
	Timeout time.Duration
}

// ParseURL reads SMTP_URL: smtp://user:pass@host:587 (STARTTLS when the
// server offers it) or smtps://user:pass@host:465 (TLS from the first byte).
// Credentials are optional. Errors never repeat the URL, which may hold a
// password.
func ParseURL(raw string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("must be a URL like smtp://user:pass@host:587")
	}
	s := &SMTP{Timeout: 30 * time.Second}
	port := ""
	switch u.Scheme {
	case "smtp":
		port = "587"
	case "smtps":
		port, s.implicitTLS = "465", true
	default:
		return nil, errors.New("must start with smtp:// or smtps://")
	}
	s.host = u.Hostname()
	if s.host == "" {
		return nil, errors.New("must name a host, e.g. smtp://user:pass@mail.example.com:587")
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("must not have a path or query")
	}
	if p := u.Port(); p != "" {
		port = p
	}
	s.addr = net.JoinHostPort(s.host, port)
	if u.User != nil {
		s.username = u.User.Username()
		s.password, _ = u.User.Password()
	}
	return s, nil
}

// String describes the server without its credentials, for logs.
func (s *SMTP) String() string {
	scheme := "smtp"
	if s.implicitTLS {
		scheme = "smtps"
	}
	return scheme + "://" + s.addr
}

func (s *SMTP) tlsConfig() *tls.Config {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.TLSConfig != nil {
		c = s.TLSConfig.Clone()
	}
	c.ServerName = s.host
	return c
}

// Send delivers m. It upgrades with STARTTLS when offered and authenticates
// with AUTH PLAIN when the URL has credentials; net/smtp refuses to send
// them over an unencrypted connection to anything but localhost.
func (s *SMTP) Send(ctx context.Context, m *Message) error {
	from, to, err := m.Envelope()
	if err != nil {
		return err
	}
	data, err := m.Bytes()
	if err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok && s.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.Timeout)
		defer cancel()
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("smtp: connect %s: %w", s.addr, err)
	}
	defer conn.Close()
	// The protocol calls below take no context; a deadline on the
	// connection, moved to now on cancel, bounds them all.
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()

	if s.implicitTLS {
		tc := tls.Client(conn, s.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("smtp: TLS with %s: %w", s.addr, err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return fmt.Errorf("smtp: greeting from %s: %w", s.addr, err)
	}
	defer c.Close()
	if err := c.Hello(Domain(from)); err != nil {
		return fmt.Errorf("smtp: EHLO: %w", err)
	}
	if !s.implicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return fmt.Errorf("smtp: STARTTLS: %w", err)
			}
		}
	}
	if s.username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return fmt.Errorf("smtp: %s does not offer AUTH but SMTP_URL has credentials", s.addr)
		}
		if err := c.Auth(smtp.PlainAuth("", s.username, s.password, s.host)); err != nil {
			return fmt.Errorf("smtp: AUTH: %w", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("smtp: MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("smtp: RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp: message refused: %w", err)
	}
	// The message is accepted once DATA is answered; a failed QUIT
	// must not make the caller send it again.
	_ = c.Quit()
	return nil
}

var _ Sender = (*SMTP)(nil)
