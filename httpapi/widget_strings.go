package httpapi

import (
	"net/http"
	"strings"

	"github.com/parleychat/parley/chat"
)

// widgetChannelView is a channel as the widget sees it, in the visitor's language, with
// the widget's own texts in that language when it is not the widget's English.
type widgetChannelView struct {
	*chat.ChannelStatus
	Strings map[string]string `json:"strings,omitempty"`
}

// widgetChannel answers GET /livechat/channels/{id} for the visitor's languages: the
// ?languages= query (navigator.languages, comma-separated), else Accept-Language; ?url= is
// the page's address, for the channel rules.
func (s *Server) widgetChannel(r *http.Request, id int64) (int, any, error) {
	var langs []string
	if q := r.URL.Query().Get("languages"); q != "" {
		langs = strings.Split(q, ",")
	}
	pageURL := r.URL.Query().Get("url")
	if len(pageURL) > chat.MaxPageURLLength {
		pageURL = pageURL[:chat.MaxPageURLLength]
	}
	st, err := s.service.WidgetChannel(r.Context(), id, langs, r.Header.Get("Accept-Language"), pageURL)
	if err != nil {
		return 0, nil, err
	}
	v := widgetChannelView{ChannelStatus: st}
	if s.widgetStrings != nil {
		v.Strings = s.widgetStrings(st.Language)
	}
	return http.StatusOK, v, nil
}
