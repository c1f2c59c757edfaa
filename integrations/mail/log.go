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

// Send logs one short line per message (recipient, subject and size, not
// the body), so a queue of emails never buries the server's own lines. A
// message SMTP would refuse is refused here too.
func (l LogSender) Send(ctx context.Context, m *Message) error {
	b, err := m.Bytes()
	if err != nil {
		return err
	}
	l.Logger.InfoContext(ctx, "email not sent: SMTP_URL is unset", "to", m.To, "subject", m.Subject, "bytes", len(b))
	return nil
}

var _ Sender = LogSender{}
