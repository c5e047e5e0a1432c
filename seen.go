package parley

import "time"

// EventRead tells a visitor how far the operator of their conversation has read it:
// {"type":"read","conversation_id":ID,"seq":N}, published when the operator's read mark
// moves forward, so that the widget shows "Seen" under the visitor's last message up to
// there.
const EventRead = "read"

// DefaultAbandonAfter is how long a visitor may be gone (no widget open, no message)
// before their conversation ends as if they had left it.
const DefaultAbandonAfter = 30 * time.Minute
