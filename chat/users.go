package chat

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/parleychat/parley"
)

// MinPasswordLength is the shortest password accepted for a new user.
const MinPasswordLength = 8

// Client is what an admin is shown of the browser or program that logged in.
type Client struct {
	UserAgent string
	Address   string
}

// Login checks a login and password and opens a console session.
func (s *Service) Login(ctx context.Context, login, password string, client Client) (token string, u *parley.User, err error) {
	u, hash, err := s.store.UserByLogin(ctx, strings.TrimSpace(login))
	if parley.ErrorCode(err) == parley.ENOTFOUND {
		CheckPassword(dummyHash(), password) // spend the same time as for a known login
		return "", nil, parley.Errorf(parley.EUNAUTHORIZED, "Wrong login or password.")
	} else if err != nil {
		return "", nil, err
	}
	if !CheckPassword(hash, password) {
		return "", nil, parley.Errorf(parley.EUNAUTHORIZED, "Wrong login or password.")
	}
	// Said only to whoever knows the password, so it tells a guesser nothing.
	if u.Disabled {
		return "", nil, parley.Errorf(parley.EUNAUTHORIZED, "This account is disabled.")
	}
	ua := strings.ToValidUTF8(client.UserAgent, "\uFFFD")
	if utf8.RuneCountInString(ua) > parley.MaxUserAgentLength {
		ua = string([]rune(ua)[:parley.MaxUserAgentLength])
	}
	token, tokenHash := NewToken()
	now := s.now()
	_, err = s.store.CreateSession(ctx, parley.NewSession{
		TokenHash: tokenHash, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(SessionTTL),
		UserAgent: ua, Address: client.Address,
	})
	if err != nil {
		return "", nil, fmt.Errorf("create session: %w", err)
	}
	return token, u, nil
}

// dummyHash is a hash to check unknown logins against. It is made on first use, not when
// the program starts: hashing costs as much as a login (about 100 ms on a small machine),
// which start-up would otherwise wait for.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("parley timing equaliser")
	return h
})

// Authenticate returns the user of a console session token.
func (s *Service) Authenticate(ctx context.Context, token string) (*parley.User, error) {
	if token == "" {
		return nil, parley.Errorf(parley.EUNAUTHORIZED, "Log in first.")
	}
	return s.SessionUser(ctx, HashToken(token))
}

// SessionUser returns the user of a console session, known by its token hash, as they
// are now: a WebSocket asks it for every frame, so that what the user changed since it
// opened (their chat name, their role) applies to the next message it sends. It is
// read from memory but for the first time after a change, which every server forgets at
// once (accounts.go).
func (s *Service) SessionUser(ctx context.Context, hash []byte) (*parley.User, error) {
	now := s.now()
	if u, ok := s.sessions.get(string(hash), now); ok {
		copied := *u
		return &copied, nil
	}
	gen := s.sessions.generation()
	u, err := s.store.SessionUser(ctx, hash, now)
	if parley.ErrorCode(err) == parley.EUNAUTHORIZED || parley.ErrorCode(err) == parley.ENOTFOUND {
		return nil, parley.Errorf(parley.EUNAUTHORIZED, "Your session has expired or is not valid; log in again.")
	} else if err != nil {
		return nil, err
	}
	copied := *u
	s.sessions.putSince(string(hash), &copied, now, gen) // not if a logout's notice came meanwhile
	// Read from the database at most once a minute, so recorded as seen as often at
	// most; a failure to record it refuses nobody.
	if err := s.store.TouchSession(ctx, hash, now, now.Add(-sessionCacheTTL)); err != nil {
		s.logger.Error("touch session", "err", err)
	}
	return u, nil
}

// Logout ends a console session: the WebSockets opened with it close at once.
func (s *Service) Logout(ctx context.Context, token string) error {
	hash := HashToken(token)
	err := s.store.DeleteSession(ctx, hash)
	s.announce(ctx, parley.AccountNotice{EndedSessions: [][]byte{hash}})
	return err
}

// NewUser is what an admin gives to create a user.
type NewUser struct {
	Login         string      `json:"login"`
	Password      string      `json:"password"`
	Name          string      `json:"name"`
	Role          parley.Role `json:"role"`
	ChatName      string      `json:"chat_name"`
	MainLanguage  string      `json:"main_language"`
	ChatLanguages []string    `json:"chat_languages"`
}

// CreateUser creates a user. actor nil means the shell (parley user add, first start).
func (s *Service) CreateUser(ctx context.Context, actor *parley.User, nu NewUser) (*parley.User, error) {
	if actor != nil && !actor.IsAdmin() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only an admin can add users.")
	}
	nu.Login = strings.TrimSpace(nu.Login)
	if _, err := parley.LoginKey(nu.Login); err != nil {
		return nil, err
	}
	if err := parley.ValidateName("Name", nu.Name, parley.MaxNameLength, true); err != nil {
		return nil, err
	}
	if err := parley.ValidateName("Chat name", nu.ChatName, parley.MaxNameLength, false); err != nil {
		return nil, err
	}
	if err := validatePassword("Password", nu.Password); err != nil {
		return nil, err
	}
	if nu.Role == "" {
		nu.Role = parley.RoleOperator
	}
	if !nu.Role.Valid() {
		return nil, parley.Errorf(parley.EINVALID, "Role %q is not one of operator, supervisor, admin.", nu.Role)
	}
	main := parley.DefaultLanguage
	if nu.MainLanguage != "" {
		main = nu.MainLanguage
	}
	langs, err := s.enabledLanguages(ctx, append([]string{main}, nu.ChatLanguages...))
	if err != nil {
		return nil, err
	}
	hash, err := HashPassword(nu.Password)
	if err != nil {
		return nil, err
	}
	u := &parley.User{
		Login:         nu.Login,
		Name:          strings.TrimSpace(nu.Name),
		Role:          nu.Role,
		ChatName:      strings.TrimSpace(nu.ChatName),
		MainLanguage:  langs[0],
		ChatLanguages: langs[1:],
	}
	if err := s.store.CreateUser(ctx, u, hash); err != nil {
		return nil, err
	}
	s.audit(ctx, actor, parley.AuditUserCreate, "user", u.ID, map[string]any{"login": u.Login, "name": u.Name, "role": u.Role})
	return u, nil
}

// validatePassword applies the rules of every new password.
func validatePassword(field, password string) error {
	if !utf8.ValidString(password) || utf8.RuneCountInString(password) < MinPasswordLength {
		return parley.Errorf(parley.EINVALID, "%s must have at least %d characters.", field, MinPasswordLength)
	}
	if len(password) > MaxPasswordBytes {
		return parley.Errorf(parley.EINVALID, "%s must have at most %d bytes.", field, MaxPasswordBytes)
	}
	return nil
}

// MaxPasswordBytes bounds a password: hashing a longer one would cost more for nothing.
const MaxPasswordBytes = 1024

// ErrAdminExists is EnsureAdmin's answer when it was given a password for an admin
// that already exists: the password was not used.
var ErrAdminExists = errors.New("users exist already: the admin password was ignored")

// EnsureAdmin creates the user admin on an installation with no user. With an empty
// password it makes one up and returns it, to be shown once. On an installation with
// users it changes nothing; given a password then, it says so with ErrAdminExists, so
// that the caller can tell the operator the password was ignored.
func (s *Service) EnsureAdmin(ctx context.Context, password string) (created bool, generated string, err error) {
	n, err := s.store.CountUsers(ctx)
	if err != nil {
		return false, "", err
	}
	if n > 0 {
		if password != "" {
			return false, "", ErrAdminExists
		}
		return false, "", nil
	}
	if password == "" {
		b := make([]byte, 12)
		rand.Read(b)
		password = base64.RawURLEncoding.EncodeToString(b)
		generated = password
	}
	_, err = s.CreateUser(ctx, nil, NewUser{Login: "admin", Password: password, Name: "Administrator", Role: parley.RoleAdmin})
	if parley.ErrorCode(err) == parley.ECONFLICT {
		// Another server started on the same new database made the admin first.
		if generated == "" { // the password given was not used
			return false, "", ErrAdminExists
		}
		return false, "", nil
	} else if err != nil {
		return false, "", fmt.Errorf("create admin: %w", err)
	}
	return true, generated, nil
}

// Users lists every user (admin).
func (s *Service) Users(ctx context.Context, actor *parley.User) ([]*parley.User, error) {
	if !actor.IsAdmin() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only an admin can list users.")
	}
	return s.store.Users(ctx)
}

// Preferences is what an operator may change on their own profile.
type Preferences struct {
	ChatName      *string   `json:"chat_name"`
	MainLanguage  *string   `json:"main_language"`
	ChatLanguages *[]string `json:"chat_languages"`
	NotifySound   *bool     `json:"notify_sound"`
	NotifyDesktop *bool     `json:"notify_desktop"`
}

// UpdatePreferences changes the online chat name, the languages and the notifications of
// the caller. Only enabled languages are accepted.
func (s *Service) UpdatePreferences(ctx context.Context, actor *parley.User, p Preferences) (*parley.User, error) {
	upd, err := s.preferencesUpdate(ctx, p)
	if err != nil {
		return nil, err
	}
	u, err := s.store.UpdateUser(ctx, actor.ID, upd)
	s.announce(ctx, parley.AccountNotice{UserID: actor.ID, Changed: true})
	return u, err
}

// preferencesUpdate checks the preferences an operator (or an admin editing them) sets:
// a chat name of one line, and enabled languages only.
func (s *Service) preferencesUpdate(ctx context.Context, p Preferences) (parley.UserUpdate, error) {
	var upd parley.UserUpdate
	if p.ChatName != nil {
		name := strings.TrimSpace(*p.ChatName)
		if err := parley.ValidateName("Online chat name", name, parley.MaxNameLength, false); err != nil {
			return upd, err
		}
		upd.ChatName = &name
	}
	if p.MainLanguage != nil {
		langs, err := s.enabledLanguages(ctx, []string{*p.MainLanguage})
		if err != nil {
			return upd, err
		}
		upd.MainLanguage = &langs[0]
	}
	if p.ChatLanguages != nil {
		langs, err := s.enabledLanguages(ctx, *p.ChatLanguages)
		if err != nil {
			return upd, err
		}
		upd.ChatLanguages = &langs
	}
	upd.NotifySound, upd.NotifyDesktop = p.NotifySound, p.NotifyDesktop
	return upd, nil
}

// enabledLanguages canonicalises codes and refuses any that is not enabled. Duplicates
// are dropped, keeping the first.
func (s *Service) enabledLanguages(ctx context.Context, codes []string) ([]string, error) {
	enabled, err := s.enabledSet(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(codes))
	seen := make(map[string]bool)
	for _, c := range codes {
		canon, err := parley.CanonicalLanguage(c)
		if err != nil {
			return nil, err
		}
		if !enabled[canon] {
			return nil, parley.Errorf(parley.EINVALID, "Language %q is not enabled on this installation.", c)
		}
		if !seen[canon] {
			seen[canon] = true
			out = append(out, canon)
		}
	}
	return out, nil
}

func (s *Service) enabledSet(ctx context.Context) (map[string]bool, error) {
	langs, err := s.store.Languages(ctx)
	if err != nil {
		return nil, err
	}
	set := make(map[string]bool)
	for _, l := range langs {
		if l.Enabled {
			set[l.Code] = true
		}
	}
	return set, nil
}

// Languages lists the languages the installation knows.
func (s *Service) Languages(ctx context.Context) ([]parley.Language, error) {
	return s.store.Languages(ctx)
}

// SetLanguage enables or disables a language (admin). At least one stays enabled: the
// store keeps it.
func (s *Service) SetLanguage(ctx context.Context, actor *parley.User, code string, enabled bool) (parley.Language, error) {
	if !actor.IsAdmin() {
		return parley.Language{}, parley.Errorf(parley.EFORBIDDEN, "Only an admin can change languages.")
	}
	canon, err := parley.CanonicalLanguage(code)
	if err != nil {
		return parley.Language{}, err
	}
	langs, err := s.store.Languages(ctx)
	if err != nil {
		return parley.Language{}, err
	}
	lang := parley.Language{Code: canon, Name: parley.LanguageName(canon), Enabled: enabled}
	for _, l := range langs {
		if l.Code == canon {
			lang.Name = l.Name
		}
	}
	// Held across the write, so that no list read before it is kept after it here.
	s.langMu.Lock()
	// The store refuses to disable the last enabled language (parley.ErrLastLanguage)
	// in the transaction that writes, so that one stays enabled across servers.
	err = s.store.SetLanguage(ctx, lang)
	s.enabled, s.matcher = nil, nil
	s.langMu.Unlock()
	if err != nil {
		return parley.Language{}, err
	}
	s.invalidate(ctx, parley.CacheNotice{Languages: true})
	s.audit(ctx, actor, parley.AuditLanguageUpdate, "language", lang.Code, map[string]bool{"enabled": enabled})
	return lang, nil
}

// enabledList is the enabled language codes, sorted, and their matcher; kept in memory
// until SetLanguage, on any server, changes one.
func (s *Service) enabledList(ctx context.Context) ([]string, *parley.LanguageMatcher, error) {
	s.langMu.Lock()
	defer s.langMu.Unlock()
	if s.enabled != nil {
		return s.enabled, s.matcher, nil
	}
	set, err := s.enabledSet(ctx)
	if err != nil {
		return nil, nil, err
	}
	list := make([]string, 0, len(set))
	for code := range set {
		list = append(list, code)
	}
	slices.Sort(list)
	s.enabled, s.matcher = list, parley.NewLanguageMatcher(list)
	return list, s.matcher, nil
}

// defaultLanguage is the language of visitors whose languages match nothing enabled.
func defaultLanguage(enabled []string) string {
	for _, l := range enabled {
		if l == parley.DefaultLanguage {
			return l
		}
	}
	if len(enabled) > 0 {
		return enabled[0]
	}
	return parley.DefaultLanguage
}
