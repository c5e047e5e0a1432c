package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/parleychat/parley"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type metrics struct {
	registry      *prometheus.Registry
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	websockets    *prometheus.GaugeVec
	messages      *prometheus.CounterVec
	conversations *prometheus.CounterVec

	// The counters of every message, found once rather than by label at each one.
	visitorMessages, operatorMessages prometheus.Counter
}

func newMetrics(reg *prometheus.Registry) *metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &metrics{
		registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "parley_http_request_duration_seconds", Help: "Time to answer HTTP requests, by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"route"}),
		websockets: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "parley_websocket_connections", Help: "Open WebSocket connections, by side (operator, visitor).",
		}, []string{"side"}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_messages_total", Help: "Messages stored, by author kind.",
		}, []string{"author"}),
		conversations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_conversations_started_total", Help: "Conversations started, by status at start (active or queued).",
		}, []string{"status"}),
	}
	reg.MustRegister(m.requests, m.duration, m.websockets, m.messages, m.conversations)
	m.visitorMessages = m.messages.WithLabelValues(string(parley.AuthorVisitor))
	m.operatorMessages = m.messages.WithLabelValues(string(parley.AuthorOperator))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController (and the WebSocket upgrade) reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// instrument counts and times the requests of one route.
func (s *Server) instrument(route string, next http.Handler) http.Handler {
	duration := s.metrics.duration.WithLabelValues(route)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if tw, ok := w.(*timeoutWriter); ok && tw.refused {
			// The body came too slowly: the client got the 408 that limitBody wrote
			// beneath this writer, not what the handler answered after.
			sw.status = http.StatusRequestTimeout
		}
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		s.metrics.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
		duration.Observe(time.Since(start).Seconds())
	})
}
