package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/parleychat/parley"
	fastjson "github.com/segmentio/encoding/json"
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
	case parley.EUNSUPPORTED:
		return http.StatusUnsupportedMediaType
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
	if code == parley.ETOOLARGE || code == parley.EUNSUPPORTED {
		code = parley.EINVALID // API.md: EINVALID with status 413 (or 415 for a file's type)
	}
	writeJSON(w, st, errorBody{Error: errorDetail{Code: code, Message: msg}})
}

// writeJSON answers with v in JSON, encoded as the events are (segmentio/encoding: the
// same bytes as encoding/json, in about half its time).
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fastjson.NewEncoder(w).Encode(v)
}

// strictJSON is how request bodies and WebSocket frames are decoded: besides refusing
// invalid UTF-8, encoding/json/v2's semantics refuse a name given twice (encoding/json
// lets the last one win, so that two parts of a stack may read two different values),
// match names exactly (encoding/json lets "CHAT_NAME" set chat_name) and refuse an
// escaped lone surrogate such as "\ud800" (encoding/json stores U+FFFD in its place).
// Unknown names are refused too.
var strictJSON = jsonv2.RejectUnknownMembers(true)

// decode reads a JSON request body into v: at most MaxBodyBytes, one value only, decoded
// with strictJSON. Every failure is a clear EINVALID (413 for a body over the limit).
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength > MaxBodyBytes {
		return parley.Errorf(parley.ETOOLARGE, "Request body is larger than %d bytes.", MaxBodyBytes)
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		return decodeError(err)
	}
	if !utf8.Valid(raw) {
		return parley.Errorf(parley.EINVALID, "Request body is not valid UTF-8.")
	}
	// A valid body, the common case, in one call; a body that fails is decoded again,
	// value by value, to say what is wrong with it.
	if jsonv2.Unmarshal(raw, v, strictJSON) == nil {
		return nil
	}
	dec := jsontext.NewDecoder(bytes.NewReader(raw))
	if err := jsonv2.UnmarshalDecode(dec, v, strictJSON); err != nil {
		return decodeError(err)
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err)
		}
		return parley.Errorf(parley.EINVALID, "Request body must hold a single JSON value.")
	}
	return nil
}

// unmarshal decodes data, a whole JSON value, into v with strictJSON; what names data in
// the error ("Frame").
func unmarshal(what string, data []byte, v any) error {
	if !utf8.Valid(data) {
		return parley.Errorf(parley.EINVALID, "%s is not valid UTF-8.", what)
	}
	if err := jsonv2.Unmarshal(data, v, strictJSON); err != nil {
		if len(bytes.TrimSpace(data)) == 0 {
			err = io.EOF // Unmarshal calls it truncated
		}
		return jsonError(what, err)
	}
	return nil
}

func decodeError(err error) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return parley.Errorf(parley.ETOOLARGE, "Request body is larger than %d bytes.", MaxBodyBytes)
	}
	return jsonError("Request body", err)
}

// jsonError turns a strictJSON decoding error into an EINVALID that names the problem
// and where it is; what is the thing decoded ("Request body", "Frame").
func jsonError(what string, err error) error {
	var syntaxErr *jsontext.SyntacticError
	var semErr *jsonv2.SemanticError
	switch {
	case errors.Is(err, io.EOF):
		return parley.Errorf(parley.EINVALID, "%s is empty; a JSON object is expected.", what)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return parley.Errorf(parley.EINVALID, "%s is truncated JSON.", what)
	case errors.As(err, &syntaxErr):
		where := what
		if field := fieldName(syntaxErr.JSONPointer); field != "" {
			where = fmt.Sprintf("Field %q", field)
		}
		switch {
		case errors.Is(err, jsontext.ErrDuplicateName):
			return parley.Errorf(parley.EINVALID, "%s appears more than once.", where)
		case strings.HasPrefix(syntaxErr.Err.Error(), "invalid surrogate pair"):
			// jsontext has no sentinel for it; TestDecodeErrors keeps this text true.
			return parley.Errorf(parley.EINVALID, "%s holds a \\u escape of a lone surrogate (U+D800 to U+DFFF), which is not a character.", where)
		}
		return parley.Errorf(parley.EINVALID, "%s is not valid JSON (at byte %d): %s.", what, syntaxErr.ByteOffset, syntaxErr.Err)
	case errors.As(err, &semErr):
		field := fieldName(semErr.JSONPointer)
		switch {
		case errors.Is(err, jsonv2.ErrUnknownName):
			return parley.Errorf(parley.EINVALID, "Unknown field %q.", field)
		case field == "":
			return parley.Errorf(parley.EINVALID, "%s must be a JSON object.", what)
		case errors.Is(err, strconv.ErrRange):
			return parley.Errorf(parley.EINVALID, "Field %q is out of range.", field)
		case semErr.GoType != nil && semErr.JSONKind == '0' && isInteger(semErr.GoType):
			return parley.Errorf(parley.EINVALID, "Field %q must be an integer, without a fraction or an exponent.", field)
		case semErr.GoType != nil:
			return parley.Errorf(parley.EINVALID, "Field %q must be of type %s.", field, jsonType(semErr.GoType))
		}
	}
	return parley.Errorf(parley.EINVALID, "%s is not valid JSON: %s.", what, strings.TrimPrefix(err.Error(), "json: "))
}

// fieldName names the member a JSON pointer points at, its path joined with dots
// ("chat_languages.0"); "" for the whole value.
func fieldName(p jsontext.Pointer) string {
	return strings.Join(slices.Collect(p.Tokens()), ".")
}

func isInteger(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

func jsonType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	if isInteger(t) {
		return "number"
	}
	return t.Kind().String()
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
