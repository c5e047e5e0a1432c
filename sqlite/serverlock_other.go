//go:build !unix

package sqlite

import "os"

// lockServer takes no lock where flock does not exist: one server per database file is
// then the operator's to ensure.
func lockServer(path string) (*os.File, error) { return nil, nil }
