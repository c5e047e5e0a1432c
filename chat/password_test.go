package chat_test

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/chat"
)

func TestPasswordHash(t *testing.T) {
	hash, err := chat.HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$") {
		t.Fatalf("hash %q is not an argon2id PHC string", hash)
	}
	again, _ := chat.HashPassword("correct horse")
	if again == hash {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	tests := []struct {
		name, hash, password string
		want                 bool
	}{
		{"right password", hash, "correct horse", true},
		{"wrong password", hash, "correct horse!", false},
		{"empty password", hash, "", false},
		{"not a hash", "plain", "plain", false},
		{"other algorithm", strings.Replace(hash, "argon2id", "argon2i", 1), "correct horse", false},
		{"truncated", hash[:len(hash)-10], "correct horse", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := chat.CheckPassword(tc.hash, tc.password); got != tc.want {
				t.Fatalf("CheckPassword = %v, want %v", got, tc.want)
			}
		})
	}
}
