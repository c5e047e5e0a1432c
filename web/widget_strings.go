package web

import (
	"embed"
	"encoding/json"
	"path"
	"strings"
	"sync"
)

// The widget's own texts in the languages other than English, one JSON table per
// language, with the keys of widget.js's English texts (T). They stay on the server, so
// that each language costs the widget's weight nothing: GET /livechat/channels/{id}
// sends the visitor's.
//
//go:embed widget-strings/*.json
var widgetStringFiles embed.FS

var widgetTables = sync.OnceValue(func() map[string]map[string]string {
	entries, err := widgetStringFiles.ReadDir("widget-strings")
	if err != nil {
		panic(err) // embedded at build time
	}
	tables := make(map[string]map[string]string, len(entries))
	for _, e := range entries {
		raw, err := widgetStringFiles.ReadFile("widget-strings/" + e.Name())
		if err != nil {
			panic(err)
		}
		var t map[string]string
		if err := json.Unmarshal(raw, &t); err != nil {
			panic("widget-strings/" + e.Name() + ": " + err.Error()) // web's tests read every table
		}
		tables[strings.ToLower(strings.TrimSuffix(e.Name(), path.Ext(e.Name())))] = t
	}
	return tables
})

// WidgetStrings gives the widget's own texts in lang (a BCP 47 tag): its table, else its
// base language's ("pt" for "pt-BR"). It is nil for English and for a language without a
// table: the widget then keeps its English. The map is shared: callers must not change it.
func WidgetStrings(lang string) map[string]string {
	lang = strings.ToLower(lang)
	tables := widgetTables()
	if t, ok := tables[lang]; ok {
		return t
	}
	base, _, _ := strings.Cut(lang, "-")
	return tables[base]
}
