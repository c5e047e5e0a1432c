package sqlite

import (
	"hash/maphash"

	"github.com/parleychat/parley"
)

// liveConv is what storing a message needs to know of its conversation.
type liveConv struct {
	channelID, operatorID int64
	status                parley.ConversationStatus
	lastSeq               int64
	// sent holds a hash of the author kind and client_id of every message of the
	// conversation stored with a client_id, so that a new key (the common case) is
	// known new without a lookup; nil until a message with a key needs it.
	sent map[uint64]struct{}
}

// The writer's memory is bounded: past either limit, it starts afresh.
const (
	maxLive     = 1 << 16 // conversations
	maxLiveKeys = 1 << 21 // client_id hashes of all of them (about 16 bytes each)
)

// liveConvs keeps, for the writer, the conversations messages were recently stored in,
// so that storing the next message reads nothing first. Only write transactions use it,
// one at a time (Store.writeTx); every transaction that changes a conversation's status,
// operator or messages updates or drops its entry, and one that fails drops them all, as
// its changes are rolled back.
type liveConvs struct {
	m    map[int64]liveConv
	keys int // the hashes in the entries' sent sets
}

func (l *liveConvs) get(id int64) (liveConv, bool) {
	c, ok := l.m[id]
	return c, ok
}

// put remembers c as the conversation id. c is the entry get returned, updated, or a new
// one: its sent set, once there, stays the same map (see addSent).
func (l *liveConvs) put(id int64, c liveConv) {
	old, ok := l.m[id]
	if !ok && (len(l.m) >= maxLive || l.keys >= maxLiveKeys) {
		l.reset()
	}
	if l.m == nil {
		l.m = make(map[int64]liveConv)
	}
	if !ok || old.sent == nil {
		l.keys += len(c.sent) // a set read just now
	}
	l.m[id] = c
}

// addSent adds a key to the sent set of c, an entry of l.
func (l *liveConvs) addSent(c liveConv, key uint64) {
	if _, ok := c.sent[key]; !ok {
		c.sent[key] = struct{}{}
		l.keys++
	}
}

// drop forgets the conversation id: the next message stored in it reads it again.
func (l *liveConvs) drop(id int64) {
	if c, ok := l.m[id]; ok {
		l.keys -= len(c.sent)
		delete(l.m, id)
	}
}

func (l *liveConvs) reset() {
	clear(l.m)
	l.keys = 0
}

var sentSeed = maphash.MakeSeed()

// sentKey is the hash under which liveConv.sent holds a message's key: client_ids are
// the author's, so the same one from either side is two keys.
func sentKey(kind parley.AuthorKind, clientID string) uint64 {
	var h maphash.Hash
	h.SetSeed(sentSeed)
	h.WriteString(string(kind))
	h.WriteByte(0)
	h.WriteString(clientID)
	return h.Sum64()
}
