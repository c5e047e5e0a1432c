package storetest

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// testFiles: a file is stored whole and read back by id, carried by one message of its
// own conversation (and only there) through the group commit, listed with it, kept
// while a message carries it; the admin's limits default until set.
func testFiles(t *testing.T, s parley.Store) {
	ctx := t.Context()
	op := mustUser(t, s, "olga")
	ch := mustChannel(t, s, "Website", 0)
	mustJoin(t, s, ch.ID, op.ID)
	c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "Vera").ID, Language: "en", Body: "Hi", Now: t0}, online)
	other, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "Vic").ID, Language: "en", Body: "Hello", Now: t0}, online)

	content := bytes.Repeat([]byte{0x89, 'P', 'N', 'G', 0, 1, 2, 0xff}, 40_000) // 320 kB, with NUL bytes
	f := &parley.File{ConversationID: c.ID, Name: "screen shot é.png", ContentType: "image/png", UploadedBy: op.ID, CreatedAt: t0.Add(time.Second)}
	if err := s.CreateFile(ctx, f, content); err != nil {
		t.Fatal(err)
	}
	if f.ID == 0 || f.Size != int64(len(content)) {
		t.Fatalf("created file: id %d, size %d", f.ID, f.Size)
	}
	got, err := s.File(ctx, f.ID)
	if err != nil || !reflect.DeepEqual(got, f) {
		t.Fatalf("File = %+v, %v; want %+v", got, err, f)
	}
	got, data, err := s.FileContent(ctx, f.ID)
	if err != nil || !reflect.DeepEqual(got, f) || !bytes.Equal(data, content) {
		t.Fatalf("FileContent = %+v, %d bytes, %v; want %+v and the %d bytes stored", got, len(data), err, f, len(content))
	}
	visitorFile := &parley.File{ConversationID: c.ID, Name: "notes.txt", ContentType: "text/plain; charset=utf-8", CreatedAt: t0}
	if err := s.CreateFile(ctx, visitorFile, []byte("notes")); err != nil || visitorFile.UploadedBy != 0 {
		t.Fatalf("visitor's file: %+v, %v", visitorFile, err)
	}

	t.Run("unknown", func(t *testing.T) {
		_, err := s.File(ctx, f.ID+100)
		wantCode(t, err, parley.ENOTFOUND)
		_, _, err = s.FileContent(ctx, f.ID+100)
		wantCode(t, err, parley.ENOTFOUND)
		err = s.CreateFile(ctx, &parley.File{ConversationID: other.ID + 100, Name: "x.png", ContentType: "image/png", CreatedAt: t0}, []byte("x"))
		wantCode(t, err, parley.ENOTFOUND)
	})

	operator := parley.Author{Kind: parley.AuthorOperator, Name: "Olga", ID: op.ID}
	want := &parley.Attachment{ID: f.ID, Name: f.Name, ContentType: "image/png", Size: f.Size}
	m, created, err := s.AddMessage(ctx, parley.NewMessage{ConversationID: c.ID, Author: operator, FileID: f.ID, ClientID: "file-1", Now: t0.Add(2 * time.Second)})
	if err != nil || !created || m.Seq != 2 || m.Body != "" || !reflect.DeepEqual(m.Attachment, want) {
		t.Fatalf("message with the file: %+v (attachment %+v), created %v, %v; want seq 2 carrying %+v", m, m.Attachment, created, err, want)
	}
	again, created, err := s.AddMessage(ctx, parley.NewMessage{ConversationID: c.ID, Author: operator, FileID: visitorFile.ID, ClientID: "file-1", Now: t0.Add(3 * time.Second)})
	if err != nil || created || again.Seq != 2 || !reflect.DeepEqual(again.Attachment, want) {
		t.Fatalf("resend: %+v, created %v, %v; want the stored seq 2 with its file", again, created, err)
	}

	t.Run("a file of another conversation", func(t *testing.T) {
		_, _, err := s.AddMessage(ctx, parley.NewMessage{ConversationID: other.ID, Author: parley.Author{Kind: parley.AuthorVisitor, Name: "Vic"},
			FileID: f.ID, Now: t0.Add(4 * time.Second)})
		wantCode(t, err, parley.EINVALID)
		_, _, err = s.AddMessage(ctx, parley.NewMessage{ConversationID: other.ID, Author: parley.Author{Kind: parley.AuthorVisitor, Name: "Vic"},
			FileID: f.ID + 100, Now: t0.Add(4 * time.Second)})
		wantCode(t, err, parley.EINVALID)
		if list := mustMessages(t, s, other.ID, 0, 0); len(list) != 1 {
			t.Fatalf("conversation %d has %d messages after refused files, want 1", other.ID, len(list))
		}
	})

	caption, created, err := s.AddMessage(ctx, parley.NewMessage{ConversationID: c.ID, Author: parley.Author{Kind: parley.AuthorVisitor, Name: "Vera"},
		Body: "my notes", FileID: visitorFile.ID, Now: t0.Add(5 * time.Second)})
	if err != nil || !created || caption.Seq != 3 || caption.Attachment == nil || caption.Attachment.ID != visitorFile.ID {
		t.Fatalf("visitor's file with a caption: %+v, created %v, %v", caption, created, err)
	}
	list := mustMessages(t, s, c.ID, 0, 0)
	if len(list) != 3 || list[0].Attachment != nil || !reflect.DeepEqual(list[1].Attachment, want) ||
		list[2].Body != "my notes" || list[2].Attachment == nil || list[2].Attachment.Name != "notes.txt" || list[2].Attachment.Size != 5 {
		t.Fatalf("messages: %+v", list)
	}
	if last := mustSummary(t, s, op.ID, c.ID).LastMessage; last == nil || last.Seq != 3 {
		t.Fatalf("last message %+v, want seq 3", last)
	}

	t.Run("delete", func(t *testing.T) {
		wantCode(t, s.DeleteFile(ctx, f.ID), parley.ECONFLICT)
		if _, err := s.File(ctx, f.ID); err != nil {
			t.Fatalf("a file in a message was deleted: %v", err)
		}
		unused := &parley.File{ConversationID: c.ID, Name: "unused.pdf", ContentType: "application/pdf", CreatedAt: t0}
		if err := s.CreateFile(ctx, unused, []byte("%PDF-1.4")); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteFile(ctx, unused.ID); err != nil {
			t.Fatal(err)
		}
		_, err := s.File(ctx, unused.ID)
		wantCode(t, err, parley.ENOTFOUND)
		wantCode(t, s.DeleteFile(ctx, unused.ID), parley.ENOTFOUND)
	})

	t.Run("ended conversation", func(t *testing.T) {
		late := &parley.File{ConversationID: other.ID, Name: "late.png", ContentType: "image/png", CreatedAt: t0}
		if err := s.CreateFile(ctx, late, []byte("png")); err != nil {
			t.Fatal(err)
		}
		mustEnd(t, s, other.ID, parley.VisitorLeftMessage, t0.Add(time.Minute))
		_, _, err := s.AddMessage(ctx, parley.NewMessage{ConversationID: other.ID, Author: parley.Author{Kind: parley.AuthorVisitor, Name: "Vic"},
			FileID: late.ID, Now: t0.Add(2 * time.Minute)})
		wantCode(t, err, parley.ECONFLICT)
		if err := s.DeleteFile(ctx, late.ID); err != nil {
			t.Fatalf("the refused message's file cannot be deleted: %v", err)
		}
	})

	t.Run("settings", func(t *testing.T) {
		fs, err := s.FileSettings(ctx)
		if err != nil || !reflect.DeepEqual(fs, parley.DefaultFileSettings()) {
			t.Fatalf("settings before any change: %+v, %v; want the defaults", fs, err)
		}
		for _, set := range []*parley.FileSettings{
			{MaxSize: 1 << 20, AllowedTypes: []string{"application/pdf", "image/png"}},
			{MaxSize: 5000, AllowedTypes: []string{}},
		} {
			if err := s.SetFileSettings(ctx, set); err != nil {
				t.Fatal(err)
			}
			if fs, err := s.FileSettings(ctx); err != nil || !reflect.DeepEqual(fs, set) {
				t.Fatalf("settings = %+v, %v; want %+v", fs, err, set)
			}
		}
	})
}
