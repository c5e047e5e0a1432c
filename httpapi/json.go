package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/parleychat/parley"
)

// MaxBodyBytes is the largest request body accepted; a larger one is refused with 413
// before it is read whole.
const MaxBodyBytes = 64 << 10

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// status maps a domain error code to its HTTP status.
func status(code string) int {
	switch code {
	case parley.EINVALID:
		return http.StatusBadRequest
	case parley.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case parley.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case parley.EFORBIDDEN:
		return http.StatusForbidden
	case parley.ENOTFOUND:
		return http.StatusNotFound
	case parley.ECONFLICT:
		return http.StatusConflict
	case parley.ETOOMANY:
		return http.StatusTooManyRequests
	default:
		return http.StatusInternalServerError
	}
}

// writeError answers with err's status and JSON body. Only internal errors are logged,
// and their text never reaches the client.
func writeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	code, msg := parley.ErrorCode(err), parley.ErrorMessage(err)
	if code == parley.EINTERNAL {
		logger.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	st := status(code)
	if code == parley.ETOOLARGE {
		code = parley.EINVALID // API.md: EINVALID with status 413
	}
	writeJSON(w, st, errorBody{Error: errorDetail{Code: code, Message: msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// decode reads a JSON request body into v: at most MaxBodyBytes, no unknown fields, one
// value only. Every failure is a clear EINVALID (413 for a body over the limit).
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength > MaxBodyBytes {
		return parley.Errorf(parley.ETOOLARGE, "Request body is larger than %d bytes.", MaxBodyBytes)
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		return decodeError(err)
	}
	// encoding/json would silently turn invalid UTF-8 into U+FFFD: refuse it instead, so
	// that what is stored is what the client wrote.
	if !utf8.Valid(raw) {
		return parley.Errorf(parley.EINVALID, "Request body is not valid UTF-8.")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err)
		}
		return parley.Errorf(parley.EINVALID, "Request body must hold a single JSON value.")
	}
	return nil
}

func decodeError(err error) error {
	var maxErr *http.MaxBytesError
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &maxErr):
		return parley.Errorf(parley.ETOOLARGE, "Request body is larger than %d bytes.", MaxBodyBytes)
	case errors.Is(err, io.EOF):
		return parley.Errorf(parley.EINVALID, "Request body is empty; a JSON object is expected.")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return parley.Errorf(parley.EINVALID, "Request body is truncated JSON.")
	case errors.As(err, &syntaxErr):
		return parley.Errorf(parley.EINVALID, "Request body is not valid JSON (at byte %d).", syntaxErr.Offset)
	case errors.As(err, &typeErr):
		if typeErr.Field != "" {
			return parley.Errorf(parley.EINVALID, "Field %q must be of type %s.", typeErr.Field, jsonType(typeErr.Type.Kind().String()))
		}
		return parley.Errorf(parley.EINVALID, "Request body must be a JSON object.")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return parley.Errorf(parley.EINVALID, "Unknown field %s.", strings.TrimPrefix(err.Error(), "json: unknown field "))
	default:
		return parley.Errorf(parley.EINVALID, "Request body is not valid JSON: %s.", strings.TrimPrefix(err.Error(), "json: "))
	}
}

func jsonType(kind string) string {
	switch kind {
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "number"
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice":
		return "array"
	case "ptr", "struct", "map":
		return "object"
	}
	return kind
}

// pathID parses the {id} path value.
func pathID(r *http.Request) (int64, error) {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, parley.Errorf(parley.EINVALID, "Id %q is not a positive integer.", raw)
	}
	return id, nil
}

// afterSeq parses the ?after= query parameter (0 when absent).
func afterSeq(r *http.Request) (int64, error) {
	raw := r.URL.Query().Get("after")
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 {
		return 0, parley.Errorf(parley.EINVALID, "Query parameter after=%q is not a non-negative integer.", raw)
	}
	return n, nil
}
