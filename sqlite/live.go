package sqlite

import "github.com/parleychat/parley"

// liveConv is what storing a message needs to know of its conversation.
type liveConv struct {
	channelID, operatorID int64
	status                parley.ConversationStatus
	lastSeq               int64
}

// maxLive bounds the conversations the writer remembers; past it, it starts afresh.
const maxLive = 1 << 16

// liveConvs keeps, for the writer, the conversations messages were recently stored in,
// so that storing the next message reads nothing first. Only write transactions use it,
// one at a time (Store.writeTx); every transaction that changes a conversation's status,
// operator or messages updates or drops its entry, and one that fails drops them all, as
// its changes are rolled back.
type liveConvs map[int64]liveConv

func (l liveConvs) remember(id int64, c liveConv) {
	if _, ok := l[id]; !ok && len(l) >= maxLive {
		clear(l)
	}
	l[id] = c
}
