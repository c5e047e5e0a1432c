package chat

import (
	"context"
	"fmt"
	"mime"
	"strings"

	"github.com/parleychat/parley"
)

// Upload is a file a party of a conversation sends, with an optional caption.
type Upload struct {
	Name     string
	Content  []byte
	Caption  string
	ClientID string
}

// FileSettings are the admin's limits on files.
func (s *Service) FileSettings(ctx context.Context) (*parley.FileSettings, error) {
	return s.store.FileSettings(ctx)
}

// SetFileSettings changes the limits on files (admin).
func (s *Service) SetFileSettings(ctx context.Context, actor *parley.User, fs parley.FileSettings) (*parley.FileSettings, error) {
	if !actor.IsAdmin() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only an admin may change the limits on files.")
	}
	if err := fs.Validate(); err != nil {
		return nil, err
	}
	if err := s.store.SetFileSettings(ctx, &fs); err != nil {
		return nil, err
	}
	s.audit(ctx, actor, parley.AuditFileSettings, "settings", "files", fs)
	return &fs, nil
}

// OperatorMaySend checks that the caller may send in the conversation, before an upload
// is read.
func (s *Service) OperatorMaySend(ctx context.Context, actor *parley.User, id int64) error {
	_, err := s.ownRoute(ctx, actor, id)
	return err
}

// VisitorMaySend checks that the conversation is the visitor's, before an upload is read.
func (s *Service) VisitorMaySend(ctx context.Context, v *parley.Visitor, id int64) error {
	_, err := s.visitorRoute(ctx, v, id)
	return err
}

// SendOperatorFile adds the caller's file, as a message, to a conversation assigned to
// them.
func (s *Service) SendOperatorFile(ctx context.Context, actor *parley.User, id int64, up Upload) (*parley.Message, bool, error) {
	r, err := s.ownRoute(ctx, actor, id)
	if err != nil {
		return nil, false, err
	}
	s.Activity(ctx, actor.ID)
	author := parley.Author{Kind: parley.AuthorOperator, Name: actor.DisplayName(), ID: actor.ID}
	m, created, err := s.sendFile(ctx, r, author, up)
	return OperatorMessage(m), created, err
}

// SendVisitorFile adds the visitor's file, as a message, to their conversation.
func (s *Service) SendVisitorFile(ctx context.Context, v *parley.Visitor, id int64, up Upload) (*parley.Message, bool, error) {
	r, err := s.visitorRoute(ctx, v, id)
	if err != nil {
		return nil, false, err
	}
	author := parley.Author{Kind: parley.AuthorVisitor, Name: r.VisitorName}
	m, created, err := s.sendFile(ctx, r, author, up)
	return VisitorMessage(m), created, err
}

// sendFile checks the upload against the admin's limits, stores the file, then the
// message that carries it. A file whose message is not stored (refused, or a resend of
// one stored before) is deleted again.
func (s *Service) sendFile(ctx context.Context, r route, author parley.Author, up Upload) (*parley.Message, bool, error) {
	fs, err := s.store.FileSettings(ctx)
	if err != nil {
		return nil, false, err
	}
	name, err := parley.ValidateFileName(up.Name)
	if err != nil {
		return nil, false, err
	}
	if len(up.Content) == 0 {
		return nil, false, parley.Errorf(parley.EINVALID, "The file %s is empty.", name)
	}
	if int64(len(up.Content)) > fs.MaxSize {
		return nil, false, parley.FileTooLargeError(fs.MaxSize)
	}
	contentType := parley.DetectFileType(name, up.Content)
	if !fs.Allows(contentType) {
		return nil, false, TypeRefusedError(contentType, fs)
	}
	if up.Caption != "" {
		if err := parley.ValidateBody(up.Caption); err != nil {
			return nil, false, err
		}
	}
	if err := parley.ValidateClientID(up.ClientID); err != nil {
		return nil, false, err
	}
	f := &parley.File{ConversationID: r.ID, Name: name, ContentType: contentType, UploadedBy: author.ID, CreatedAt: s.now()}
	if err := s.store.CreateFile(ctx, f, up.Content); err != nil {
		return nil, false, err
	}
	m, created, err := s.addMessage(ctx, r, parley.NewMessage{ConversationID: r.ID, Author: author, Body: up.Caption, ClientID: up.ClientID, FileID: f.ID})
	if err != nil || !created {
		// Refused, or a resend: the file is nobody's. A message stored after all (the
		// sender left while it was being stored) keeps it: then this fails harmlessly.
		if derr := s.store.DeleteFile(context.WithoutCancel(ctx), f.ID); derr != nil && parley.ErrorCode(derr) != parley.ECONFLICT {
			s.logger.Error("delete unused file", "file", f.ID, "err", derr)
		}
	}
	return m, created, err
}

// TypeRefusedError is the refusal of a file whose type the admin did not allow.
func TypeRefusedError(contentType string, fs *parley.FileSettings) error {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = contentType
	}
	allowed := "none"
	if len(fs.AllowedTypes) > 0 {
		allowed = strings.Join(fs.AllowedTypes, ", ")
	}
	return parley.Errorf(parley.EUNSUPPORTED, "Files of type %s are not allowed here; allowed types: %s.", mt, allowed)
}

// OperatorFile returns a file of a conversation the caller is the operator of (any, for
// a supervisor or an admin). Other callers are told it does not exist, so that ids reveal nothing.
func (s *Service) OperatorFile(ctx context.Context, actor *parley.User, id int64) (*parley.File, []byte, error) {
	f, content, err := s.store.FileContent(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !actor.CanSupervise() { // supervisors read any conversation
		c, err := s.store.Conversation(ctx, f.ConversationID)
		if err != nil {
			return nil, nil, err
		}
		if c.OperatorID != actor.ID {
			return nil, nil, errFileNotFound(id)
		}
	}
	return f, content, nil
}

// VisitorFile returns a file of one of the visitor's conversations.
func (s *Service) VisitorFile(ctx context.Context, v *parley.Visitor, id int64) (*parley.File, []byte, error) {
	f, content, err := s.store.FileContent(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.visitorRoute(ctx, v, f.ConversationID); err != nil {
		if parley.ErrorCode(err) == parley.ENOTFOUND {
			err = errFileNotFound(id)
		}
		return nil, nil, err
	}
	return f, content, nil
}

// FileAllowsOrigin reports whether a page of origin may fetch the file: whether its
// conversation's channel allows the origin.
func (s *Service) FileAllowsOrigin(ctx context.Context, id int64, origin string) (bool, error) {
	f, err := s.store.File(ctx, id)
	if err != nil {
		return false, err
	}
	return s.ConversationAllowsOrigin(ctx, f.ConversationID, origin)
}

func errFileNotFound(id int64) error {
	return parley.Errorf(parley.ENOTFOUND, "File %d not found.", id)
}

// OperatorMessage is m as an operator reads it: its file, if any, fetched from the
// console API. m itself is left alone: the same message may reach both sides.
func OperatorMessage(m *parley.Message) *parley.Message {
	return withFileURL(m, "/api/files/")
}

// VisitorMessage is m as its visitor reads it: its file fetched from the visitor API.
func VisitorMessage(m *parley.Message) *parley.Message {
	return withFileURL(m, "/livechat/files/")
}

func withFileURL(m *parley.Message, base string) *parley.Message {
	if m == nil || m.Attachment == nil {
		return m
	}
	copied, a := *m, *m.Attachment
	a.URL = fmt.Sprintf("%s%d", base, a.ID)
	copied.Attachment = &a
	return &copied
}

// withFileURLs sets the URL of the files of a list read from the store for one side.
func withFileURLs(list []*parley.Message, base string) []*parley.Message {
	for _, m := range list {
		if m.Attachment != nil {
			m.Attachment.URL = fmt.Sprintf("%s%d", base, m.Attachment.ID)
		}
	}
	return list
}
