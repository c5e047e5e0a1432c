package httpapi

import (
	"net/http"
	"time"

	"github.com/parleychat/parley"
)

// Offer and accept (offers.go at the root): the caller's standing offers, accepting and
// declining one, and coming back after being set away for missed offers.

// offersView is GET /api/offers: the caller's standing offers, oldest first, and whether
// they are set away for missed offers; Now is the server's time, from which the console
// counts down (a browser's clock may be wrong).
type offersView struct {
	Offers []*parley.Offer `json:"offers"`
	Away   bool            `json:"away"`
	Now    time.Time       `json:"now"`
}

func (s *Server) handleOffers(w http.ResponseWriter, r *http.Request) (int, any, error) {
	offers, away, err := s.service.Offers(r.Context(), userFrom(r.Context()))
	return http.StatusOK, &offersView{Offers: offers, Away: away, Now: time.Now().UTC()}, err
}

func (s *Server) handleAcceptOffer(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	c, err := s.service.AcceptOffer(r.Context(), userFrom(r.Context()), id)
	return http.StatusOK, c, err
}

func (s *Server) handleDeclineOffer(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, s.service.DeclineOffer(r.Context(), userFrom(r.Context()), id)
}

func (s *Server) handleBack(w http.ResponseWriter, r *http.Request) (int, any, error) {
	return http.StatusNoContent, nil, s.service.Back(r.Context(), userFrom(r.Context()))
}
