package chat

import (
	"context"

	"github.com/parleychat/parley"
)

// NewCannedResponse is what an operator gives to create a canned response.
type NewCannedResponse struct {
	Shortcut string `json:"shortcut"`
	Body     string `json:"body"`
	Shared   bool   `json:"shared"`
}

// CannedResponses lists the responses u may use: the shared ones and u's own, most used
// first.
func (s *Service) CannedResponses(ctx context.Context, u *parley.User) ([]*parley.CannedResponse, error) {
	return s.store.CannedResponses(ctx, u.ID)
}

// CreateCannedResponse adds a personal response of u, or a shared one (admin).
func (s *Service) CreateCannedResponse(ctx context.Context, u *parley.User, n NewCannedResponse) (*parley.CannedResponse, error) {
	if n.Shared && !u.IsAdmin() {
		return nil, errSharedForAdmins
	}
	shortcut, err := parley.NormalizeShortcut(n.Shortcut)
	if err != nil {
		return nil, err
	}
	if err := parley.ValidateCannedBody(n.Body); err != nil {
		return nil, err
	}
	cr := &parley.CannedResponse{Shortcut: shortcut, Body: n.Body, CreatedAt: s.now()}
	if !n.Shared {
		cr.OwnerID = u.ID
	}
	if err := s.store.CreateCannedResponse(ctx, cr); err != nil {
		return nil, err
	}
	return cr, nil
}

var errSharedForAdmins = parley.Errorf(parley.EFORBIDDEN, "Only an admin can create, change or delete shared canned responses.")

// cannedResponseFor returns the response id if u may change it: a personal one of
// theirs, or a shared one when u is an admin. Another operator's personal response is
// not found, as if it did not exist.
func (s *Service) cannedResponseFor(ctx context.Context, u *parley.User, id int64, change bool) (*parley.CannedResponse, error) {
	cr, err := s.store.CannedResponse(ctx, id)
	if err != nil {
		return nil, err
	}
	if !cr.Shared && cr.OwnerID != u.ID {
		return nil, parley.Errorf(parley.ENOTFOUND, "Canned response %d not found.", id)
	}
	if change && cr.Shared && !u.IsAdmin() {
		return nil, errSharedForAdmins
	}
	return cr, nil
}

// CannedResponseEdit is what an operator changes of a canned response: the fields that
// are not nil.
type CannedResponseEdit struct {
	Shortcut *string `json:"shortcut"`
	Body     *string `json:"body"`
	// Shared is refused unless it says what the response already is: moving a response
	// between the shared ones and someone's own would change who sees it.
	Shared *bool `json:"shared"`
}

// UpdateCannedResponse changes the shortcut or the text of a response u may change.
func (s *Service) UpdateCannedResponse(ctx context.Context, u *parley.User, id int64, e CannedResponseEdit) (*parley.CannedResponse, error) {
	cr, err := s.cannedResponseFor(ctx, u, id, true)
	if err != nil {
		return nil, err
	}
	if e.Shared != nil && *e.Shared != cr.Shared {
		return nil, parley.Errorf(parley.EINVALID, "A canned response cannot move between shared and personal; create a new one instead.")
	}
	upd := parley.CannedResponseUpdate{Shortcut: e.Shortcut, Body: e.Body}
	if upd.Shortcut != nil {
		shortcut, err := parley.NormalizeShortcut(*upd.Shortcut)
		if err != nil {
			return nil, err
		}
		upd.Shortcut = &shortcut
	}
	if upd.Body != nil {
		if err := parley.ValidateCannedBody(*upd.Body); err != nil {
			return nil, err
		}
	}
	return s.store.UpdateCannedResponse(ctx, id, upd)
}

// DeleteCannedResponse removes a response u may change.
func (s *Service) DeleteCannedResponse(ctx context.Context, u *parley.User, id int64) error {
	if _, err := s.cannedResponseFor(ctx, u, id, true); err != nil {
		return err
	}
	return s.store.DeleteCannedResponse(ctx, id)
}

// UseCannedResponse counts one use of a response u may use.
func (s *Service) UseCannedResponse(ctx context.Context, u *parley.User, id int64) error {
	if _, err := s.cannedResponseFor(ctx, u, id, false); err != nil {
		return err
	}
	return s.store.UseCannedResponse(ctx, id)
}
