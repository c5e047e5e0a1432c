package postgres_test

import "github.com/parleychat/parley"

// benchChooser is the server's chooser with every candidate online.
func benchChooser(req parley.AssignRequest, candidates []parley.Candidate) parley.Routing {
	for i := range candidates {
		candidates[i].Online = true
	}
	return parley.Route(req, candidates)
}
