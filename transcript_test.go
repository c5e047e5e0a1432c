package parley_test

import (
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

func TestTranscript(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	tr := &parley.Transcript{
		ConversationID: 12, ChannelName: "Sales & <Support>", VisitorName: "Zoé", Language: "fr",
		StartedAt: at, EndedAt: at.Add(10 * time.Minute),
		Messages: []*parley.Message{
			{Seq: 1, Author: parley.Author{Kind: parley.AuthorVisitor, Name: "Zoé"}, Body: "<img src=x onerror=alert(1)>\nline two", CreatedAt: at},
			{Seq: 2, Author: parley.Author{Kind: parley.AuthorOperator, Name: "Alice", ID: 7}, Body: "See the file.", CreatedAt: at.Add(time.Minute),
				Attachment: &parley.Attachment{Name: "price list.pdf", Size: 2048}},
			{Seq: 3, Author: parley.Author{Kind: parley.AuthorVisitor}, Body: "Thanks", CreatedAt: at.Add(2 * time.Minute)},
			{Seq: 4, Author: parley.Author{Kind: parley.AuthorSystem}, Body: parley.VisitorLeftMessage, CreatedAt: at.Add(10 * time.Minute)},
		},
	}
	text := tr.Text()
	for _, want := range []string{
		"Conversation 12, Sales & <Support>\nVisitor: Zoé\nLanguage: fr\nStarted: 2026-03-01 08:30:00 UTC\nEnded: 2026-03-01 08:40:00 UTC\n\n",
		"[2026-03-01 08:30:00 UTC] Zoé: <img src=x onerror=alert(1)>\n    line two\n",
		"[2026-03-01 08:31:00 UTC] Alice: See the file.\n    [file: price list.pdf, 2 KiB]\n",
		"[2026-03-01 08:32:00 UTC] Visitor: Thanks\n",
		"[2026-03-01 08:40:00 UTC] * Visitor left the conversation.\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if got := tr.FileName("txt"); got != "conversation-12-2026-03-01.txt" {
		t.Errorf("file name = %q", got)
	}

	page, err := tr.HTML()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"<title>Conversation 12, Sales &amp; &lt;Support&gt;</title>",
		"&lt;img src=x onerror=alert(1)&gt;\nline two",
		`<span class="who">Alice</span><time datetime="2026-03-01T08:31:00Z">`,
		"[file: price list.pdf, 2 KiB]",
		`<li class="system"><time`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("html lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "<img") || strings.Contains(page, "<Support>") {
		t.Errorf("html has unescaped text:\n%s", page)
	}
}
