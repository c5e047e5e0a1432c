package httpapi

import (
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/parleychat/parley"
	"golang.org/x/time/rate"
)

// limiter holds the per-client token buckets. A nil *limiter allows everything
// (--rate-limit off).
type limiter struct {
	mu       sync.Mutex
	sockets  map[netip.Addr]int // open WebSockets per address
	login    map[netip.Addr]*bucket
	start    map[netip.Addr]*bucket
	messages map[int64]*bucket
	// Per address as well as per visitor: one address can make as many visitors as its
	// start budget allows, and open many sockets for one visitor.
	addrMessages map[netip.Addr]*bucket
	addrTyping   map[netip.Addr]*bucket
	lastGC       time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// Limits per client. Generous enough for people, tight enough for scripts.
var (
	loginRate    = rate.Every(6 * time.Second) // 10 a minute, after a burst of 10
	loginBurst   = 10
	startRate    = rate.Every(3 * time.Second) // 20 new conversations a minute per address
	startBurst   = 20
	messageRate  = rate.Limit(5) // 5 messages a second per visitor
	messageBurst = 20
	frameRate    = rate.Limit(10) // WebSocket frames a second per connection (typing, activity)
	frameBurst   = 30
	// The visitors behind one address together: 600 messages a minute is a hundred
	// people each chatting briskly at once, and a tenth of what twenty scripted visitors
	// sent under the per-visitor limit alone.
	addrMessageRate  = rate.Limit(10)
	addrMessageBurst = 40
	// Typing frames of one address: the widget sends one per person every two seconds
	// at most, so a hundred people typing at once stay under it. Past it typing is
	// dropped, not refused: it only shows "is typing…".
	addrTypingRate  = rate.Limit(50)
	addrTypingBurst = 100
	// maxWebSocketsPerIP bounds the open WebSockets of one address: generous, since many
	// visitors can share one address behind a company's NAT.
	maxWebSocketsPerIP = 200
)

func newLimiter() *limiter {
	return &limiter{
		login:    make(map[netip.Addr]*bucket),
		start:    make(map[netip.Addr]*bucket),
		messages: make(map[int64]*bucket),
		sockets:  make(map[netip.Addr]int),

		addrMessages: make(map[netip.Addr]*bucket),
		addrTyping:   make(map[netip.Addr]*bucket),
		lastGC:       time.Now(),
	}
}

// limitError is a refusal with the time after which the client may try again.
type limitError struct {
	retryAfter time.Duration
}

func (e *limitError) Error() string { return "rate limited" }

func take[K comparable](l *limiter, m map[K]*bucket, key K, r rate.Limit, burst int) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	l.gc(now)
	_, err := reserve(m, key, r, burst, now)
	return err
}

// reserve takes a token of key's bucket, or refuses with the wait. l.mu is held.
func reserve[K comparable](m map[K]*bucket, key K, r rate.Limit, burst int, now time.Time) (*rate.Reservation, error) {
	b := m[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(r, burst)}
		m[key] = b
	}
	b.seen = now
	res := b.lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return nil, &limitError{retryAfter: d}
	}
	return res, nil
}

// gc forgets clients not seen for ten minutes: their buckets are full again anyway.
func (l *limiter) gc(now time.Time) {
	if now.Sub(l.lastGC) < time.Minute {
		return
	}
	l.lastGC = now
	for _, m := range []map[netip.Addr]*bucket{l.login, l.start, l.addrMessages, l.addrTyping} {
		for k, b := range m {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(m, k)
			}
		}
	}
	for k, b := range l.messages {
		if now.Sub(b.seen) > 10*time.Minute {
			delete(l.messages, k)
		}
	}
}

func (l *limiter) allowLogin(ip netip.Addr) error {
	if l == nil {
		return nil
	}
	return take(l, l.login, ip, loginRate, loginBurst)
}

// loginFailed makes the next attempts from ip wait longer: each failure costs two more
// tokens, so guessing slows to a crawl while a person who mistyped barely notices.
func (l *limiter) loginFailed(ip netip.Addr) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.login[ip]; b != nil {
		b.lim.ReserveN(time.Now(), 2)
	}
}

func (l *limiter) allowStart(ip netip.Addr) error {
	if l == nil {
		return nil
	}
	return take(l, l.start, ip, startRate, startBurst)
}

// allowMessage takes a token of the visitor's bucket and one of the address's, or
// neither.
func (l *limiter) allowMessage(visitorID int64, ip netip.Addr) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	l.gc(now)
	res, err := reserve(l.messages, visitorID, messageRate, messageBurst, now)
	if err != nil {
		return err
	}
	if _, err := reserve(l.addrMessages, ip, addrMessageRate, addrMessageBurst, now); err != nil {
		res.CancelAt(now)
		return err
	}
	return nil
}

// allowTyping takes a token of the address's typing bucket.
func (l *limiter) allowTyping(ip netip.Addr) error {
	if l == nil {
		return nil
	}
	return take(l, l.addrTyping, ip, addrTypingRate, addrTypingBurst)
}

// openSocket counts a WebSocket of ip, or refuses it when ip holds too many; release
// uncounts it.
func (l *limiter) openSocket(ip netip.Addr) (release func(), err error) {
	if l == nil {
		return func() {}, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sockets[ip] >= maxWebSocketsPerIP {
		return nil, &limitError{retryAfter: 10 * time.Second}
	}
	l.sockets[ip]++
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.sockets[ip]--; l.sockets[ip] <= 0 {
			delete(l.sockets, ip)
		}
	}, nil
}

// frameLimiter bounds the frames one WebSocket client may send; nil allows all.
func (l *limiter) frameLimiter() *rate.Limiter {
	if l == nil {
		return nil
	}
	return rate.NewLimiter(frameRate, frameBurst)
}

// writeLimited answers 429 ETOOMANY with Retry-After.
func writeLimited(w http.ResponseWriter, r *http.Request, logger *slog.Logger, le *limitError) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(le.retryAfter.Seconds()))))
	writeError(w, r, logger, parley.Errorf(parley.ETOOMANY, "Too many requests; try again later."))
}
