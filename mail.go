package parley

import "context"

// Email is one message Parley sends: a reply to a left message, a conversation's
// transcript, a notice of a message left.
type Email struct {
	To      []string
	ReplyTo string // "" for none
	Subject string
	Text    string // the plain text body
	HTML    string // an HTML alternative; "" for none
}

// Mailer sends emails (smtpmail over SMTP). Send must not keep its caller waiting on a
// mail server: it queues the email and returns, and the implementation delivers it in
// the background within a time limit, logging what fails (never a password).
// Send's error is a refusal to queue (the queue is full, the mailer closed).
type Mailer interface {
	Send(ctx context.Context, e Email) error
}
