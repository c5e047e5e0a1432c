package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
)

// apiFunc is a handler that returns its answer: a status and a value to encode as JSON
// (none for nil), or an error that writeError turns into the API's error body.
type apiFunc func(w http.ResponseWriter, r *http.Request) (status int, v any, err error)

func (s *Server) api(fn apiFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		status, v, err := fn(w, r)
		switch {
		case err != nil:
			var le *limitError
			if errors.As(err, &le) {
				writeLimited(w, r, s.logger, le)
				return
			}
			writeError(w, r, s.logger, err)
		case v == nil:
			w.WriteHeader(status)
		default:
			writeJSON(w, status, v)
		}
	}
}

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token string       `json:"token"`
	User  *parley.User `json:"user"`
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) (int, any, error) {
	var req loginRequest
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	if err := s.limits.allowLogin(s.clientIP(r)); err != nil {
		return 0, nil, err
	}
	client := chat.Client{UserAgent: r.UserAgent(), Address: s.clientIP(r).String()}
	token, u, err := s.service.Login(r.Context(), req.Login, req.Password, client)
	if err != nil {
		s.limits.loginFailed(s.clientIP(r))
		return 0, nil, err
	}
	s.setSessionCookie(w, r, token, chat.SessionTTL)
	return http.StatusOK, loginResponse{Token: token, User: u}, nil
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) (int, any, error) {
	token, _ := consoleToken(r)
	if err := s.service.Logout(r.Context(), token); err != nil {
		return 0, nil, err
	}
	s.setSessionCookie(w, r, "", -1)
	return http.StatusNoContent, nil, nil
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) (int, any, error) {
	return http.StatusOK, userFrom(r.Context()), nil
}

func (s *Server) handlePreferences(w http.ResponseWriter, r *http.Request) (int, any, error) {
	var p chat.Preferences
	if err := decode(w, r, &p); err != nil {
		return 0, nil, err
	}
	u, err := s.service.UpdatePreferences(r.Context(), userFrom(r.Context()), p)
	return http.StatusOK, u, err
}

func (s *Server) handleLanguages(w http.ResponseWriter, r *http.Request) (int, any, error) {
	langs, err := s.service.Languages(r.Context())
	return http.StatusOK, langs, err
}

func (s *Server) handleSetLanguage(w http.ResponseWriter, r *http.Request) (int, any, error) {
	var req struct {
		Enabled *bool `json:"enabled"`
	}
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	if req.Enabled == nil {
		return 0, nil, parley.Errorf(parley.EINVALID, "Field \"enabled\" is required.")
	}
	lang, err := s.service.SetLanguage(r.Context(), userFrom(r.Context()), r.PathValue("code"), *req.Enabled)
	return http.StatusOK, lang, err
}

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) (int, any, error) {
	users, err := s.service.Users(r.Context(), userFrom(r.Context()))
	return http.StatusOK, users, err
}

func (s *Server) handleCreateUser(w http.ResponseWriter, r *http.Request) (int, any, error) {
	var nu chat.NewUser
	if err := decode(w, r, &nu); err != nil {
		return 0, nil, err
	}
	u, err := s.service.CreateUser(r.Context(), userFrom(r.Context()), nu)
	return http.StatusCreated, u, err
}

func (s *Server) handleChangePassword(w http.ResponseWriter, r *http.Request) (int, any, error) {
	var req struct {
		Current *string `json:"current_password"`
		New     *string `json:"new_password"`
	}
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	if req.Current == nil || req.New == nil {
		return 0, nil, parley.Errorf(parley.EINVALID, "Fields \"current_password\" and \"new_password\" are required.")
	}
	// A stolen session must not make guessing the password cheap: wrong current
	// passwords count as failed logins.
	if err := s.limits.allowLogin(s.clientIP(r)); err != nil {
		return 0, nil, err
	}
	err := s.service.ChangePassword(r.Context(), userFrom(r.Context()), sessionFrom(r.Context()), *req.Current, *req.New)
	if err != nil {
		if errors.Is(err, chat.ErrCurrentPassword) {
			s.limits.loginFailed(s.clientIP(r))
		}
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

func (s *Server) handleUser(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	u, err := s.service.User(r.Context(), userFrom(r.Context()), id)
	return http.StatusOK, u, err
}

func (s *Server) handleEditUser(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var e chat.UserEdit
	if err := decode(w, r, &e); err != nil {
		return 0, nil, err
	}
	u, err := s.service.EditUser(r.Context(), userFrom(r.Context()), id, e)
	return http.StatusOK, u, err
}

func (s *Server) handleDeleteUser(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, s.service.DeleteUser(r.Context(), userFrom(r.Context()), id)
}

func (s *Server) handleResetPassword(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var req struct {
		Password *string `json:"password"`
	}
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	if req.Password == nil {
		return 0, nil, parley.Errorf(parley.EINVALID, "Field \"password\" is required.")
	}
	return http.StatusNoContent, nil, s.service.ResetPassword(r.Context(), userFrom(r.Context()), id, *req.Password)
}

func (s *Server) handleUserSessions(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	list, err := s.service.UserSessions(r.Context(), userFrom(r.Context()), id, sessionFrom(r.Context()))
	return http.StatusOK, list, err
}

func (s *Server) handleRevokeSession(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	raw := r.PathValue("session_id")
	sessionID, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || sessionID <= 0 {
		return 0, nil, parley.Errorf(parley.EINVALID, "Session id %q is not a positive integer.", raw)
	}
	return http.StatusNoContent, nil, s.service.RevokeSession(r.Context(), userFrom(r.Context()), id, sessionID)
}

func (s *Server) handleRevokeSessions(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, s.service.RevokeSessions(r.Context(), userFrom(r.Context()), id)
}

func (s *Server) handleChannels(w http.ResponseWriter, r *http.Request) (int, any, error) {
	chs, err := s.service.Channels(r.Context(), userFrom(r.Context()))
	return http.StatusOK, chs, err
}

func (s *Server) handleCreateChannel(w http.ResponseWriter, r *http.Request) (int, any, error) {
	var nc chat.NewChannel
	if err := decode(w, r, &nc); err != nil {
		return 0, nil, err
	}
	ch, err := s.service.CreateChannel(r.Context(), userFrom(r.Context()), nc)
	return http.StatusCreated, ch, err
}

func (s *Server) handleChannel(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	ch, err := s.service.Channel(r.Context(), userFrom(r.Context()), id)
	return http.StatusOK, ch, err
}

type channelPatch struct {
	Name                  *string   `json:"name"`
	ButtonText            *string   `json:"button_text"`
	WelcomeMessage        *string   `json:"welcome_message"`
	MaxOngoingPerOperator *int      `json:"max_ongoing_per_operator"`
	ButtonColor           *string   `json:"button_color"`
	ButtonTextColor       *string   `json:"button_text_color"`
	AllowedOrigins        *[]string `json:"allowed_origins"`
	OfferSeconds          *int      `json:"offer_seconds"`
	// Texts per language: those named are set, the others stay (texts.go).
	Texts map[string]parley.ChannelText `json:"texts"`
}

func (s *Server) handleUpdateChannel(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var p channelPatch
	if err := decode(w, r, &p); err != nil {
		return 0, nil, err
	}
	ch, err := s.service.UpdateChannel(r.Context(), userFrom(r.Context()), id, parley.ChannelUpdate(p))
	return http.StatusOK, ch, err
}

func (s *Server) handleJoin(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	ch, err := s.service.JoinChannel(r.Context(), userFrom(r.Context()), id)
	return http.StatusOK, ch, err
}

func (s *Server) handleLeave(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	ch, err := s.service.LeaveChannel(r.Context(), userFrom(r.Context()), id)
	return http.StatusOK, ch, err
}

func (s *Server) handleConversations(w http.ResponseWriter, r *http.Request) (int, any, error) {
	cs, err := s.service.OperatorConversations(r.Context(), userFrom(r.Context()))
	return http.StatusOK, cs, err
}

func (s *Server) handleConversation(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	c, err := s.service.OperatorConversation(r.Context(), userFrom(r.Context()), id)
	return http.StatusOK, c, err
}

func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	after, err := afterSeq(r)
	if err != nil {
		return 0, nil, err
	}
	ms, err := s.service.OperatorMessages(r.Context(), userFrom(r.Context()), id, after)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, parley.ForOperators(ms), nil
}

type sendRequest struct {
	Body     string `json:"body"`
	ClientID string `json:"client_id"`
}

// created is 201 for a new message, 200 for one the client had sent before.
func created(isNew bool) int {
	if isNew {
		return http.StatusCreated
	}
	return http.StatusOK
}

func (s *Server) handleSend(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var req sendRequest
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	m, isNew, err := s.sendOperatorMessage(r.Context(), userFrom(r.Context()), id, req.Body, req.ClientID)
	if err != nil {
		return 0, nil, err
	}
	return created(isNew), m.ForOperator(), nil
}

// sendOperatorMessage is an operator's send, by HTTP or by WebSocket frame.
func (s *Server) sendOperatorMessage(ctx context.Context, u *parley.User, id int64, body, clientID string) (*parley.Message, bool, error) {
	m, isNew, err := s.service.SendOperatorMessage(ctx, u, id, body, clientID)
	if err == nil && isNew {
		s.metrics.operatorMessages.Inc()
	}
	return m, isNew, err
}

func (s *Server) handleRead(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var req struct {
		Seq *int64 `json:"seq"`
	}
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	if req.Seq == nil {
		return 0, nil, parley.Errorf(parley.EINVALID, "Field \"seq\" is required.")
	}
	return http.StatusNoContent, nil, s.service.MarkRead(r.Context(), userFrom(r.Context()), id, *req.Seq)
}

func (s *Server) handleEnd(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	c, err := s.service.EndByOperator(r.Context(), userFrom(r.Context()), id)
	return http.StatusOK, c, err
}
