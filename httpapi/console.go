package httpapi

import (
	"net/http"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
)

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token string       `json:"token"`
	User  *parley.User `json:"user"`
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	if err := s.limits.allowLogin(s.clientIP(r)); err != nil {
		writeLimited(w, r, s.logger, err)
		return
	}
	token, u, err := s.service.Login(r.Context(), req.Login, req.Password)
	if err != nil {
		s.limits.loginFailed(s.clientIP(r))
		writeError(w, r, s.logger, err)
		return
	}
	setSessionCookie(w, r, token, chat.SessionTTL)
	writeJSON(w, http.StatusOK, loginResponse{Token: token, User: u})
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	token, _ := consoleToken(r)
	if err := s.service.Logout(r.Context(), token); err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	setSessionCookie(w, r, "", -1)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, userFrom(r.Context()))
}

func (s *Server) handlePreferences(w http.ResponseWriter, r *http.Request) {
	var p chat.Preferences
	if err := decode(w, r, &p); err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	u, err := s.service.UpdatePreferences(r.Context(), userFrom(r.Context()), p)
	reply(w, r, s, http.StatusOK, u, err)
}

func (s *Server) handleLanguages(w http.ResponseWriter, r *http.Request) {
	langs, err := s.service.Languages(r.Context())
	reply(w, r, s, http.StatusOK, langs, err)
}

type setLanguageRequest struct {
	Enabled *bool `json:"enabled"`
}

func (s *Server) handleSetLanguage(w http.ResponseWriter, r *http.Request) {
	var req setLanguageRequest
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	if req.Enabled == nil {
		writeError(w, r, s.logger, parley.Errorf(parley.EINVALID, "Field \"enabled\" is required."))
		return
	}
	lang, err := s.service.SetLanguage(r.Context(), userFrom(r.Context()), r.PathValue("code"), *req.Enabled)
	reply(w, r, s, http.StatusOK, lang, err)
}

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) {
	users, err := s.service.Users(r.Context(), userFrom(r.Context()))
	reply(w, r, s, http.StatusOK, users, err)
}

func (s *Server) handleCreateUser(w http.ResponseWriter, r *http.Request) {
	var nu chat.NewUser
	if err := decode(w, r, &nu); err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	u, err := s.service.CreateUser(r.Context(), userFrom(r.Context()), nu)
	reply(w, r, s, http.StatusCreated, u, err)
}

func (s *Server) handleChannels(w http.ResponseWriter, r *http.Request) {
	chs, err := s.service.Channels(r.Context(), userFrom(r.Context()))
	reply(w, r, s, http.StatusOK, chs, err)
}

func (s *Server) handleCreateChannel(w http.ResponseWriter, r *http.Request) {
	var nc chat.NewChannel
	if err := decode(w, r, &nc); err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	ch, err := s.service.CreateChannel(r.Context(), userFrom(r.Context()), nc)
	reply(w, r, s, http.StatusCreated, ch, err)
}

func (s *Server) handleChannel(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	ch, err := s.service.Channel(r.Context(), userFrom(r.Context()), id)
	reply(w, r, s, http.StatusOK, ch, err)
}

type channelPatch struct {
	Name                  *string `json:"name"`
	ButtonText            *string `json:"button_text"`
	WelcomeMessage        *string `json:"welcome_message"`
	MaxOngoingPerOperator *int    `json:"max_ongoing_per_operator"`
}

func (s *Server) handleUpdateChannel(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	var p channelPatch
	if err := decode(w, r, &p); err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	ch, err := s.service.UpdateChannel(r.Context(), userFrom(r.Context()), id, parley.ChannelUpdate(p))
	reply(w, r, s, http.StatusOK, ch, err)
}

func (s *Server) handleJoin(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	ch, err := s.service.JoinChannel(r.Context(), userFrom(r.Context()), id)
	reply(w, r, s, http.StatusOK, ch, err)
}

func (s *Server) handleLeave(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	ch, err := s.service.LeaveChannel(r.Context(), userFrom(r.Context()), id)
	reply(w, r, s, http.StatusOK, ch, err)
}

func (s *Server) handleConversations(w http.ResponseWriter, r *http.Request) {
	cs, err := s.service.OperatorConversations(r.Context(), userFrom(r.Context()))
	reply(w, r, s, http.StatusOK, cs, err)
}

func (s *Server) handleConversation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	c, err := s.service.OperatorConversation(r.Context(), userFrom(r.Context()), id)
	reply(w, r, s, http.StatusOK, c, err)
}

func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	after, err := afterSeq(r)
	if err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	ms, err := s.service.OperatorMessages(r.Context(), userFrom(r.Context()), id, after)
	reply(w, r, s, http.StatusOK, ms, err)
}

type sendRequest struct {
	Body string `json:"body"`
}

func (s *Server) handleSend(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	var req sendRequest
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	m, err := s.service.SendOperatorMessage(r.Context(), userFrom(r.Context()), id, req.Body)
	if err == nil {
		s.metrics.messages.WithLabelValues(string(parley.AuthorOperator)).Inc()
	}
	reply(w, r, s, http.StatusCreated, m, err)
}

type readRequest struct {
	Seq *int64 `json:"seq"`
}

func (s *Server) handleRead(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	var req readRequest
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	if req.Seq == nil {
		writeError(w, r, s.logger, parley.Errorf(parley.EINVALID, "Field \"seq\" is required."))
		return
	}
	if err := s.service.MarkRead(r.Context(), userFrom(r.Context()), id, *req.Seq); err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleEnd(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	c, err := s.service.EndByOperator(r.Context(), userFrom(r.Context()), id)
	reply(w, r, s, http.StatusOK, c, err)
}

func (s *Server) handleOfflineMessages(w http.ResponseWriter, r *http.Request) {
	ms, err := s.service.OfflineMessages(r.Context(), userFrom(r.Context()))
	reply(w, r, s, http.StatusOK, ms, err)
}

// reply writes v with status, or err when it is not nil.
func reply(w http.ResponseWriter, r *http.Request, s *Server, status int, v any, err error) {
	if err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	writeJSON(w, status, v)
}
