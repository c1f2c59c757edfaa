package mail

import (
	"context"
	"log/slog"
)

// LogSender writes messages to the log instead of sending them: what the
// binary uses when SMTP_URL is unset, so development needs no mail server.
type LogSender struct {
	Logger *slog.Logger
}

// Send logs m at info level, text body included, and never fails.
func (l LogSender) Send(ctx context.Context, m *Message) error {
	l.Logger.InfoContext(ctx, "email not sent: SMTP_URL is unset",
		"to", m.To, "subject", m.Subject, "headers", m.Headers, "text", m.Text)
	return nil
}

var _ Sender = LogSender{}
