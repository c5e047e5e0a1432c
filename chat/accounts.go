package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/parleychat/parley"
)

// announce tells every server (this one included, at once: the in-process bus delivers
// before Publish returns) that sessions ended or a user changed: each drops what it
// keeps in memory and closes the WebSockets of the ended sessions (httpapi).
func (s *Service) announce(ctx context.Context, n parley.AccountNotice) {
	s.forget(n) // here first, should the bus fail
	payload, err := json.Marshal(n)
	if err != nil {
		s.logger.Error("encode account notice", "err", err)
		return
	}
	if err := s.bus.Publish(ctx, parley.AccountsTopic, payload); err != nil {
		s.logger.Error("publish account notice", "user", n.UserID, "err", err)
	}
}

// accountNotice is the service's subscriber to parley.AccountsTopic.
func (s *Service) accountNotice(payload []byte) {
	var n parley.AccountNotice
	if err := json.Unmarshal(payload, &n); err != nil {
		s.logger.Error("decode account notice", "err", err)
		return
	}
	s.forget(n)
}

// forget drops the cached sessions and conversations a notice makes stale.
func (s *Service) forget(n parley.AccountNotice) {
	for _, h := range n.EndedSessions {
		s.sessions.delete(string(h))
	}
	if n.Changed {
		s.sessions.deleteFunc(func(u *parley.User) bool { return u.ID == n.UserID })
	}
	for _, id := range n.Requeued {
		s.routes.delete(id)
	}
}

// ConsoleEnded records a console WebSocket closed because its session ended: the
// operator gets no reload grace, and with no other console open is unavailable at once.
func (s *Service) ConsoleEnded(userID int64) {
	s.presence.Ended(userID)
	go s.statusChanged(context.Background(), userID)
}

// ErrCurrentPassword refuses a password change whose current password is wrong. It is
// not EUNAUTHORIZED: the console must not log out.
var ErrCurrentPassword = parley.Errorf(parley.EINVALID, "Current password is wrong.")

// ChangePassword changes the caller's own password, given the current one, and ends
// every other session of theirs. session is the token hash of the calling session,
// which stays valid.
func (s *Service) ChangePassword(ctx context.Context, actor *parley.User, session []byte, current, password string) error {
	if err := validatePassword("New password", password); err != nil {
		return err
	}
	u, hash, err := s.store.UserByLogin(ctx, actor.Login)
	if err != nil {
		return err
	}
	if u.ID != actor.ID || !CheckPassword(hash, current) {
		return ErrCurrentPassword
	}
	newHash, err := HashPassword(password)
	if err != nil {
		return err
	}
	if session == nil {
		session = []byte{}
	}
	ended, err := s.store.SetPassword(ctx, actor.ID, newHash, session)
	if err != nil {
		return err
	}
	s.announce(ctx, parley.AccountNotice{UserID: actor.ID, EndedSessions: ended})
	return nil
}

// User returns one user (admin).
func (s *Service) User(ctx context.Context, actor *parley.User, id int64) (*parley.User, error) {
	if !actor.IsAdmin() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only an admin can see users.")
	}
	return s.store.User(ctx, id)
}

// UserEdit is what an admin may change of a user; nil fields stay as they are.
type UserEdit struct {
	Name          *string      `json:"name"`
	Role          *parley.Role `json:"role"`
	ChatName      *string      `json:"chat_name"`
	MainLanguage  *string      `json:"main_language"`
	ChatLanguages *[]string    `json:"chat_languages"`
	Disabled      *bool        `json:"disabled"`
}

// EditUser changes a user (admin). Disabling a user ends their sessions (their
// WebSockets close), takes them out of every channel and puts their active
// conversations back in the queue, for the others to take.
func (s *Service) EditUser(ctx context.Context, actor *parley.User, id int64, e UserEdit) (*parley.User, error) {
	if !actor.IsAdmin() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only an admin can edit users.")
	}
	upd, err := s.preferencesUpdate(ctx, Preferences{ChatName: e.ChatName, MainLanguage: e.MainLanguage, ChatLanguages: e.ChatLanguages})
	if err != nil {
		return nil, err
	}
	if e.Name != nil {
		name := strings.TrimSpace(*e.Name)
		if err := parley.ValidateName("Name", name, parley.MaxNameLength, true); err != nil {
			return nil, err
		}
		upd.Name = &name
	}
	if e.Role != nil {
		if !e.Role.Valid() {
			return nil, parley.Errorf(parley.EINVALID, "Role %q is not one of operator, supervisor, admin.", *e.Role)
		}
		upd.Role = e.Role
	}
	upd.Disabled = e.Disabled

	if id == actor.ID {
		if e.Disabled != nil && *e.Disabled {
			return nil, refuseYourself("disable")
		}
		if e.Role != nil && *e.Role != parley.RoleAdmin {
			return nil, refuseYourself("demote")
		}
	}
	var before *parley.User
	if e.Role != nil {
		if before, err = s.store.User(ctx, id); err != nil {
			return nil, err
		}
	}
	// The store refuses to disable or demote the last enabled admin, in the transaction
	// that writes, so that it holds across servers.
	u, err := s.store.UpdateUser(ctx, id, upd)
	if err != nil {
		return nil, err
	}
	s.audit(ctx, actor, parley.AuditUserUpdate, "user", id, userEditDetail(u, e))
	// Disabled again, everything is retired again: that finishes what a request that
	// failed half-way left.
	if e.Disabled != nil && *e.Disabled {
		if err := s.retire(ctx, id); err != nil {
			return nil, err
		}
	} else {
		s.announce(ctx, parley.AccountNotice{UserID: id, Changed: true, RoleChanged: before != nil && before.Role != u.Role})
	}
	return u, nil
}

// refuseYourself refuses an admin's disabling, demoting or deleting themselves: another
// admin must, so that nobody locks themselves out by mistake. That an enabled admin
// remains is the store's to keep, across servers.
func refuseYourself(what string) error {
	return parley.Errorf(parley.EINVALID, "You cannot %s yourself; another admin can.", what)
}

// retire ends everything a user who may no longer work was doing: their sessions and
// WebSockets, their memberships, and their active conversations, which go back to the
// queue and to the other operators by the usual rules. Each step can be done again, so
// an admin whose request failed half-way repeats it.
func (s *Service) retire(ctx context.Context, id int64) error {
	s.forget(parley.AccountNotice{UserID: id, Changed: true}) // no cached session lets them act meanwhile
	ended, err := s.store.DeleteUserSessions(ctx, id, nil)
	if err != nil {
		return err
	}
	left, err := s.store.LeaveChannels(ctx, id)
	if err != nil {
		return err
	}
	requeued, err := s.store.RequeueConversations(ctx, id)
	if err != nil {
		return err
	}
	n := parley.AccountNotice{UserID: id, EndedSessions: ended, Changed: true}
	for _, c := range requeued {
		n.Requeued = append(n.Requeued, c.ID)
	}
	s.announce(ctx, n)
	for _, c := range requeued {
		s.publishLive(ctx, c)
	}
	s.publishLiveOperator(ctx, id) // disabled or deleted: they leave the live view
	for _, ch := range left {
		s.tellChannel(ch)
	}
	// The requeued conversations are older than those waiting: they go first, and
	// every visitor still waiting is told their new place.
	channels := map[int64]bool{}
	for _, c := range requeued {
		channels[c.ChannelID] = true
	}
	for _, ch := range left { // their offers there were taken back
		channels[ch] = true
	}
	for ch := range channels {
		s.drain(ctx, ch)
		s.publishQueue(ctx, ch)
	}
	return nil
}

// ResetPassword sets a user's password (admin; actor nil means the shell) and ends
// every session of theirs.
func (s *Service) ResetPassword(ctx context.Context, actor *parley.User, id int64, password string) error {
	if actor != nil && !actor.IsAdmin() {
		return parley.Errorf(parley.EFORBIDDEN, "Only an admin can reset passwords.")
	}
	if err := validatePassword("Password", password); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	ended, err := s.store.SetPassword(ctx, id, hash, nil)
	if err != nil {
		return err
	}
	s.announce(ctx, parley.AccountNotice{UserID: id, EndedSessions: ended})
	s.audit(ctx, actor, parley.AuditPasswordReset, "user", id, map[string]int{"sessions_ended": len(ended)})
	return nil
}

// SetPasswordByLogin sets the password of the user with the login, from the shell.
func (s *Service) SetPasswordByLogin(ctx context.Context, login, password string) (*parley.User, error) {
	u, _, err := s.store.UserByLogin(ctx, strings.TrimSpace(login))
	if err != nil {
		return nil, err
	}
	return u, s.ResetPassword(ctx, nil, u.ID, password)
}

// UserSessions lists a user's open sessions, newest first (admin). current is the token
// hash of the caller's session, which is marked.
func (s *Service) UserSessions(ctx context.Context, actor *parley.User, id int64, current []byte) ([]*parley.Session, error) {
	if !actor.IsAdmin() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only an admin can see sessions.")
	}
	if _, err := s.store.User(ctx, id); err != nil {
		return nil, err
	}
	list, err := s.store.UserSessions(ctx, id, s.now())
	if err != nil {
		return nil, err
	}
	for _, sess := range list {
		sess.Current = current != nil && bytes.Equal(sess.TokenHash, current)
	}
	return list, nil
}

// RevokeSession ends one session of a user (admin).
func (s *Service) RevokeSession(ctx context.Context, actor *parley.User, userID, sessionID int64) error {
	if !actor.IsAdmin() {
		return parley.Errorf(parley.EFORBIDDEN, "Only an admin can end sessions.")
	}
	hash, err := s.store.DeleteUserSession(ctx, userID, sessionID)
	if err != nil {
		return err
	}
	s.announce(ctx, parley.AccountNotice{UserID: userID, EndedSessions: [][]byte{hash}})
	s.audit(ctx, actor, parley.AuditSessionsRevoked, "user", userID, map[string]int64{"session_id": sessionID})
	return nil
}

// RevokeSessions ends every session of a user (admin).
func (s *Service) RevokeSessions(ctx context.Context, actor *parley.User, userID int64) error {
	if !actor.IsAdmin() {
		return parley.Errorf(parley.EFORBIDDEN, "Only an admin can end sessions.")
	}
	if _, err := s.store.User(ctx, userID); err != nil {
		return err
	}
	ended, err := s.store.DeleteUserSessions(ctx, userID, nil)
	if err != nil {
		return err
	}
	s.announce(ctx, parley.AccountNotice{UserID: userID, EndedSessions: ended})
	s.audit(ctx, actor, parley.AuditSessionsRevoked, "user", userID, map[string]int{"sessions_ended": len(ended)})
	return nil
}

// DeleteUser removes a user (admin) as disabling does, then marks them deleted: the
// conversations and messages they took part in stay, and their login is free again.
func (s *Service) DeleteUser(ctx context.Context, actor *parley.User, id int64) error {
	if !actor.IsAdmin() {
		return parley.Errorf(parley.EFORBIDDEN, "Only an admin can delete users.")
	}
	if id == actor.ID {
		return refuseYourself("delete")
	}
	u, err := s.store.User(ctx, id)
	if err != nil {
		return err
	}
	// Disabled first, so that a request failing half-way leaves the user unable to
	// work; the store refuses the last enabled admin, and the refusal names the delete.
	disabled := true
	if _, err := s.store.UpdateUser(ctx, id, parley.UserUpdate{Disabled: &disabled}); err != nil {
		var e *parley.Error
		if errors.As(err, &e) && *e == *parley.LastAdminError("disable", u.Login) {
			return parley.LastAdminError("delete", u.Login)
		}
		return err
	}
	if err := s.retire(ctx, id); err != nil {
		return err
	}
	if err := s.store.DeleteUser(ctx, id, s.now()); err != nil {
		return err
	}
	s.audit(ctx, actor, parley.AuditUserDelete, "user", id, map[string]string{"login": u.Login, "name": u.Name})
	return nil
}

// userEditDetail is what an edit changed, for the audit log: the fields it set, as the
// user now has them.
func userEditDetail(u *parley.User, e UserEdit) map[string]any {
	d := map[string]any{"login": u.Login}
	if e.Name != nil {
		d["name"] = u.Name
	}
	if e.Role != nil {
		d["role"] = u.Role
	}
	if e.Disabled != nil {
		d["disabled"] = u.Disabled
	}
	if e.ChatName != nil {
		d["chat_name"] = u.ChatName
	}
	if e.MainLanguage != nil {
		d["main_language"] = u.MainLanguage
	}
	if e.ChatLanguages != nil {
		d["chat_languages"] = u.ChatLanguages
	}
	return d
}
