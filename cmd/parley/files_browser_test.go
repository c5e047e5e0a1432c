package main

import (
	"encoding/base64"
	"fmt"
	"testing"
)

// jsFile is the JavaScript expression of a DataTransfer holding one PNG file, as a
// drop or a paste brings it.
func jsFile(png []byte, name string) string {
	return fmt.Sprintf(`(() => {
		const bytes = Uint8Array.from(atob(%q), (c) => c.charCodeAt(0));
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], %q, { type: 'image/png' }));
		return dt;
	})()`, base64.StdEncoding.EncodeToString(png), name)
}

// An image goes both ways in the browsers: dropped on the widget's window, it appears
// in place in the operator's chat window; picked with the console's paper clip, it
// appears in place in the widget. Each side loaded the image's real pixels.
func TestFilesInTheBrowser(t *testing.T) {
	w := newWidgetSetup(t, nil)
	s := w.s
	op := openConsole(t, s, "alice", "password-alice", "/channels")

	vis := openDemo(t, s, w.ch, "en")
	vis.click("launcher")
	vis.typeInto("input", "Hello, here is my problem\n")
	vis.waitText("operator-name", "Alice")
	conv := vis.conversationID()
	window := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("chat-window"), conv)
	op.wait(fmt.Sprintf(`!!document.querySelector(%q)`, window+" "+tid("composer-input")), "the conversation's chat window")

	// The visitor drops a screenshot on the widget's window.
	vis.wait("the paper clip", visible(byTestID("attach")))
	evalJS[bool](vis, fmt.Sprintf(`%s.dispatchEvent(new DragEvent('drop', { dataTransfer: %s, bubbles: true, cancelable: true })) || true`,
		byTestID("window"), jsFile(pngImage(t), "from-visitor.png")))
	vis.wait("the visitor's image in the widget", `(() => { const i = `+shadowJS+`.querySelector('[data-kind=visitor] [data-testid=message-image]'); return i && i.complete && i.naturalWidth === 8; })()`)
	op.wait(fmt.Sprintf(`(() => { const i = document.querySelector(%q); return i && i.alt === "from-visitor.png" && i.complete && i.naturalWidth === 8; })()`,
		window+" "+tid("message-image")), "the visitor's image shown in the chat window")

	// The operator picks an image with the paper clip's file input.
	consoleEval[bool](op, fmt.Sprintf(`(() => {
		const input = document.querySelector(%q);
		input.files = %s.files;
		input.dispatchEvent(new Event('change', { bubbles: true }));
		return true;
	})()`, window+" "+tid("composer-file"), jsFile(pngImage(t), "from-operator.png")))
	vis.wait("the operator's image in the widget", `(() => { const i = `+shadowJS+`.querySelector('[data-kind=operator] [data-testid=message-image]'); return i && i.alt === 'from-operator.png' && i.complete && i.naturalWidth === 8; })()`)
	op.wait(fmt.Sprintf(`[...document.querySelectorAll(%q)].some((i) => i.alt === "from-operator.png")`, window+" "+tid("message-image")),
		"the operator's own image in the chat window")

	op.screenshot("files-console")
	screenshot(t, vis.ctx, "files-widget")

	// A file of a refused type is refused with the server's reason, in the console.
	s.must(t, 200, "PATCH", "/api/settings/files", w.admin, map[string]any{"allowed_types": []string{"application/pdf"}})
	consoleEval[bool](op, fmt.Sprintf(`(() => {
		const input = document.querySelector(%q);
		input.files = %s.files;
		input.dispatchEvent(new Event('change', { bubbles: true }));
		return true;
	})()`, window+" "+tid("composer-file"), jsFile(pngImage(t), "refused.png")))
	op.wait(fmt.Sprintf(`(document.querySelector(%q)?.innerText || "").includes("image/png are not allowed")`, window+" "+tid("composer-error")),
		"the refusal naming the type")
	if n := len(s.visitorMessages(t, conv, vis.visitorToken(w.ch))); n != 3 {
		t.Fatalf("%d messages stored, want 3 (the refused file stored nothing)", n)
	}
}

// The admin sets the limits on files in Admin › Files; a type browsers run is refused
// there with the server's reason.
func TestFilesAdminPage(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	p := openConsole(t, s, "admin", adminPassword, "/admin/files")
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.value === "10"`, tid("files-max-size")), "the default limit, 10 MiB")
	p.setValue(tid("files-max-size"), "2")
	p.setValue(tid("files-types"), "image/png\napplication/pdf")
	p.click(tid("files-save"))
	eventually(t, "the limits saved", func() string {
		var fs struct {
			MaxSize      int64    `json:"max_size"`
			AllowedTypes []string `json:"allowed_types"`
		}
		s.must(t, 200, "GET", "/api/settings/files", admin, nil).decode(t, &fs)
		if fs.MaxSize != 2<<20 || fmt.Sprint(fs.AllowedTypes) != "[application/pdf image/png]" {
			return fmt.Sprintf("%+v", fs)
		}
		return ""
	})
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.disabled === false`, tid("files-save")), "Save, ready again")
	p.setValue(tid("files-types"), "image/png\nimage/svg+xml")
	p.click(tid("files-save"))
	p.wait(fmt.Sprintf(`(document.querySelector(%q)?.innerText || "").includes("image/svg+xml cannot be allowed")`, tid("files-error")), "the refusal")
}
