package parley

// CachesTopic is the bus topic on which the service announces changes to what every
// server keeps in memory beside accounts (AccountsTopic): the enabled languages, a
// visitor whose token was replaced, conversations that ended. Every server listens,
// the one that made the change included, and drops what the notice makes stale.
const CachesTopic = "caches"

// CacheNotice is the payload of CachesTopic. It is published after the store committed
// the change it announces.
type CacheNotice struct {
	// Languages: a language was enabled or disabled; the list and its matcher must be
	// read again.
	Languages bool `json:"languages,omitempty"`
	// Visitor is a visitor whose token was replaced: what is kept of their old token
	// must go.
	Visitor int64 `json:"visitor,omitempty"`
	// Visitors are visitors erased (data requests, retention): what is kept of them
	// must go.
	Visitors []int64 `json:"visitors,omitempty"`
	// Ended are conversations that ended: their parties are no longer kept.
	Ended []int64 `json:"ended,omitempty"`
	// Moved are conversations handed to another operator or channel: their parties
	// must be read again.
	Moved []int64 `json:"moved,omitempty"`
	// Webhooks: a webhook was made, changed or deleted; whether any wants messages must
	// be read again (WebhookStore.ForgetWebhooks).
	Webhooks bool `json:"webhooks,omitempty"`
}
