package parley

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"time"
)

// Transcript is a conversation as a file a person reads: its channel, times and every
// message, each author named as the visitor saw them (an operator by their chat name,
// as stored with each message; never a login or an email).
type Transcript struct {
	ConversationID int64
	ChannelName    string
	VisitorName    string
	Language       string
	StartedAt      time.Time
	EndedAt        time.Time // zero while it goes on
	Messages       []*Message
}

// Title is the transcript's heading.
func (t *Transcript) Title() string {
	return fmt.Sprintf("Conversation %d, %s", t.ConversationID, t.ChannelName)
}

// FileName is the name a downloaded transcript is saved as, with ext ("html" or "txt").
func (t *Transcript) FileName(ext string) string {
	return fmt.Sprintf("conversation-%d-%s.%s", t.ConversationID, t.StartedAt.UTC().Format("2006-01-02"), ext)
}

const transcriptTime = "2006-01-02 15:04:05 UTC"

func transcriptLine(m *Message) (when, who, what string) {
	when = m.CreatedAt.UTC().Format(transcriptTime)
	who = m.Author.Name
	switch m.Author.Kind {
	case AuthorSystem:
		who = ""
	case AuthorVisitor:
		if who == "" {
			who = "Visitor"
		}
	}
	what = m.Body
	if m.Attachment != nil {
		file := fmt.Sprintf("[file: %s, %s]", m.Attachment.Name, FormatSize(m.Attachment.Size))
		if what == "" {
			what = file
		} else {
			what += "\n" + file
		}
	}
	return when, who, what
}

func (t *Transcript) header() []string {
	lines := []string{t.Title()}
	if t.VisitorName != "" {
		lines = append(lines, "Visitor: "+t.VisitorName)
	}
	if t.Language != "" {
		lines = append(lines, "Language: "+t.Language)
	}
	lines = append(lines, "Started: "+t.StartedAt.UTC().Format(transcriptTime))
	if !t.EndedAt.IsZero() {
		lines = append(lines, "Ended: "+t.EndedAt.UTC().Format(transcriptTime))
	}
	return lines
}

// Text is the transcript as plain text: one block per message, its continuation lines
// indented.
func (t *Transcript) Text() string {
	var b strings.Builder
	for _, l := range t.header() {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	for _, m := range t.Messages {
		when, who, what := transcriptLine(m)
		what = strings.ReplaceAll(strings.ReplaceAll(what, "\r\n", "\n"), "\n", "\n    ")
		if who == "" {
			fmt.Fprintf(&b, "[%s] * %s\n", when, what)
		} else {
			fmt.Fprintf(&b, "[%s] %s: %s\n", when, who, what)
		}
	}
	return b.String()
}

var transcriptHTML = template.Must(template.New("transcript").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
dl{display:grid;grid-template-columns:auto 1fr;gap:.1rem 1rem;color:#555}dd{margin:0}
ol{list-style:none;padding:0}li{margin:.8rem 0}.who{font-weight:600}time{color:#777;font-size:.85em;margin-left:.5rem}
.text{white-space:pre-wrap;overflow-wrap:anywhere}.system{color:#666;font-style:italic}</style></head>
<body><h1>{{.Title}}</h1>
<dl>{{range .Header}}<dt>{{.K}}</dt><dd>{{.V}}</dd>{{end}}</dl>
<ol>{{range .Lines}}<li{{if not .Who}} class="system"{{end}}>{{if .Who}}<span class="who">{{.Who}}</span>{{end}}<time datetime="{{.ISO}}">{{.When}}</time>
<div class="text">{{.What}}</div></li>
{{end}}</ol></body></html>
`))

// HTML is the transcript as a page of its own, every text escaped by html/template.
func (t *Transcript) HTML() (string, error) {
	type kv struct{ K, V string }
	type line struct{ When, ISO, Who, What string }
	data := struct {
		Title  string
		Header []kv
		Lines  []line
	}{Title: t.Title()}
	for _, l := range t.header()[1:] {
		k, v, _ := strings.Cut(l, ": ")
		data.Header = append(data.Header, kv{k, v})
	}
	for _, m := range t.Messages {
		when, who, what := transcriptLine(m)
		data.Lines = append(data.Lines, line{when, m.CreatedAt.UTC().Format(time.RFC3339), who, what})
	}
	var b bytes.Buffer
	if err := transcriptHTML.Execute(&b, data); err != nil {
		return "", fmt.Errorf("transcript of conversation %d: %w", t.ConversationID, err)
	}
	return b.String(), nil
}
