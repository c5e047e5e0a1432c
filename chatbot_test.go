package parley_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/parleychat/parley"
)

// salesScript: a greeting, a choice (Sales asks an email and goes to channel 2, Support
// hands over here, Nothing ends), and a last question for Support's way round.
func salesScript() *parley.ChatbotScript {
	return &parley.ChatbotScript{Enabled: true, Steps: []parley.ScriptStep{
		{ID: "hello", Kind: parley.StepMessage, Text: "Hello!"},
		{ID: "topic", Kind: parley.StepChoice, Text: "What is it about?", Choices: []parley.ScriptChoice{
			{Label: "Sales", Action: parley.ScriptNext, Next: "email"},
			{Label: "Support", Action: parley.ScriptNext, Next: "order"},
			{Label: "Nothing", Action: parley.ScriptEnd, Closing: "Goodbye!"},
		}},
		{ID: "email", Kind: parley.StepQuestion, Text: "Your email?", Answer: parley.AnswerEmail, Action: parley.ScriptHandOver, ChannelID: 2},
		{ID: "order", Kind: parley.StepQuestion, Text: "Your order number?"},
	}}
}

func TestCheckChatbotScript(t *testing.T) {
	known := func(id int64) bool { return id == 1 || id == 2 }
	got, err := parley.CheckChatbotScript(salesScript(), known)
	if err != nil {
		t.Fatalf("a good script: %v", err)
	}
	if got.Steps[0].Action != parley.ScriptNext || got.Steps[3].Answer != parley.AnswerText {
		t.Errorf("defaults not filled in: %+v", got.Steps)
	}
	tests := []struct {
		name string
		edit func(s *parley.ChatbotScript)
		want string // a part of the error's message
	}{
		{"unknown step", func(s *parley.ChatbotScript) { s.Steps[1].Choices[0].Next = "nowhere" }, `step "nowhere", which does not exist`},
		{"unknown channel", func(s *parley.ChatbotScript) { s.Steps[2].ChannelID = 9 }, "channel 9, which does not exist"},
		{"empty text", func(s *parley.ChatbotScript) { s.Steps[0].Text = "  " }, `Step "hello"'s text is required`},
		{"empty closing", func(s *parley.ChatbotScript) { s.Steps[1].Choices[2].Closing = "" }, "closing text is required"},
		{"empty label", func(s *parley.ChatbotScript) { s.Steps[1].Choices[0].Label = "" }, "choice 1 is required"},
		{"same label twice", func(s *parley.ChatbotScript) { s.Steps[1].Choices[1].Label = "Sales" }, `two choices labelled "Sales"`},
		{"same id twice", func(s *parley.ChatbotScript) { s.Steps[3].ID = "email" }, `Two steps have the id "email"`},
		{"unknown kind", func(s *parley.ChatbotScript) { s.Steps[0].Kind = "poem" }, `kind "poem"`},
		{"unknown answer", func(s *parley.ChatbotScript) { s.Steps[2].Answer = "phone" }, `"phone" answer`},
		{"unknown action", func(s *parley.ChatbotScript) { s.Steps[1].Choices[0].Action = "jump" }, `action "jump"`},
		{"no choices", func(s *parley.ChatbotScript) { s.Steps[1].Choices = nil }, "needs 1 to 6 choices"},
		{"too many choices", func(s *parley.ChatbotScript) {
			for i := range 5 {
				s.Steps[1].Choices = append(s.Steps[1].Choices, parley.ScriptChoice{Label: strings.Repeat("x", i+1)})
			}
		}, "needs 1 to 6 choices"},
		{"too many steps", func(s *parley.ChatbotScript) {
			for i := range parley.MaxScriptSteps {
				s.Steps = append(s.Steps, parley.ScriptStep{ID: strings.Repeat("m", i+1), Kind: parley.StepMessage, Text: "x"})
			}
		}, "at most 20 steps"},
		{"a step to itself", func(s *parley.ChatbotScript) { s.Steps[0].Next = "hello" }, "goes to itself"},
		{"a loop of messages", func(s *parley.ChatbotScript) {
			s.Steps[2] = parley.ScriptStep{ID: "email", Kind: parley.StepMessage, Text: "Round", Next: "order"}
			s.Steps[3] = parley.ScriptStep{ID: "order", Kind: parley.StepMessage, Text: "And round", Next: "email"}
			s.Steps[1].Choices = s.Steps[1].Choices[:2]
		}, "in a loop without an exit"},
		{"enabled without steps", func(s *parley.ChatbotScript) { s.Steps = nil }, "at least one step"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := salesScript()
			tc.edit(s)
			_, err := parley.CheckChatbotScript(s, known)
			if parley.ErrorCode(err) != parley.EINVALID || !strings.Contains(parley.ErrorMessage(err), tc.want) {
				t.Fatalf("error %v, want EINVALID with %q", err, tc.want)
			}
		})
	}
	// A loop with a way out is fine: "Back" returns to the choice, which can end.
	s := salesScript()
	s.Steps[3] = parley.ScriptStep{ID: "order", Kind: parley.StepChoice, Text: "Sure?", Choices: []parley.ScriptChoice{{Label: "Back", Next: "topic"}}}
	if _, err := parley.CheckChatbotScript(s, known); err != nil {
		t.Errorf("a loop with an exit: %v", err)
	}
}

func TestWalkScript(t *testing.T) {
	script, err := parley.CheckChatbotScript(salesScript(), func(int64) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	choice := func(step, label string) parley.ScriptAnswer { return parley.ScriptAnswer{Step: step, Choice: label} }
	text := func(step, s string) parley.ScriptAnswer { return parley.ScriptAnswer{Step: step, Text: s} }

	w, err := parley.WalkScript(script, []parley.ScriptAnswer{choice("topic", "Sales"), text("email", " ann@example.com ")})
	if err != nil {
		t.Fatal(err)
	}
	if w.HandOver != 2 || len(w.Lines) != 5 || !w.Lines[0].Bot || w.Lines[2].Text != "Sales" || w.Lines[2].Bot ||
		w.Lines[4].Text != "ann@example.com" || w.Lines[4].Question != "Your email?" {
		t.Errorf("walk to Sales = %+v", w)
	}
	// Support: the order question, the last step, hands over here.
	if w, err := parley.WalkScript(script, []parley.ScriptAnswer{choice("topic", "Support"), text("order", "4521")}); err != nil || w.HandOver != 0 {
		t.Errorf("walk to Support = %+v, %v; want a hand-over here", w, err)
	}
	bad := []struct {
		name    string
		answers []parley.ScriptAnswer
		want    string
	}{
		{"a choice the step has not", []parley.ScriptAnswer{choice("topic", "Billing")}, `no choice "Billing"`},
		{"an answer for another step", []parley.ScriptAnswer{text("email", "ann@example.com")}, `for step "email", but the chatbot asks step "topic"`},
		{"not an email", []parley.ScriptAnswer{choice("topic", "Sales"), text("email", "ann at example")}, "not an email address"},
		{"an empty answer", []parley.ScriptAnswer{choice("topic", "Support"), text("order", " ")}, "is required"},
		{"too long an answer", []parley.ScriptAnswer{choice("topic", "Support"), text("order", strings.Repeat("9", 501))}, "limit is 500"},
		{"answers that stop early", []parley.ScriptAnswer{choice("topic", "Sales")}, `stop at step "email"`},
		{"answers past the hand-over", []parley.ScriptAnswer{choice("topic", "Sales"), text("email", "a@b.co"), text("order", "1")}, "hands over after 2 answers; 3 were sent"},
		{"a path that ends the chat", []parley.ScriptAnswer{choice("topic", "Nothing")}, "end the chat"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parley.WalkScript(script, tc.answers)
			if parley.ErrorCode(err) != parley.EINVALID || !strings.Contains(parley.ErrorMessage(err), tc.want) {
				t.Fatalf("error %v, want EINVALID with %q", err, tc.want)
			}
		})
	}
}

// The channels a script can hand over to: those its hand-overs name, each once, and its
// own for a hand-over without a channel or a path past the last step; not those of a
// step that goes on, nor of an ending.
func TestHandOverChannels(t *testing.T) {
	const self, sales, support = 1, 2, 3
	for _, tc := range []struct {
		name  string
		steps []parley.ScriptStep
		want  []int64
	}{
		{"past the last step", []parley.ScriptStep{
			{ID: "a", Kind: parley.StepMessage, Text: "Hi"},
			{ID: "b", Kind: parley.StepQuestion, Text: "Name?"},
		}, []int64{self}},
		{"by choice, never here", []parley.ScriptStep{
			{ID: "a", Kind: parley.StepChoice, Text: "Topic?", Choices: []parley.ScriptChoice{
				{Label: "Sales", Action: parley.ScriptHandOver, ChannelID: sales},
				{Label: "Support", Action: parley.ScriptNext, Next: "b"},
				{Label: "Bye", Action: parley.ScriptEnd, Closing: "Bye"},
			}},
			{ID: "b", Kind: parley.StepQuestion, Text: "Order?", Action: parley.ScriptHandOver, ChannelID: support},
			{ID: "c", Kind: parley.StepQuestion, Text: "Again?", Action: parley.ScriptHandOver, ChannelID: sales},
		}, []int64{sales, support}},
		{"a hand-over without a channel", []parley.ScriptStep{
			{ID: "a", Kind: parley.StepQuestion, Text: "Name?", Action: parley.ScriptHandOver},
			{ID: "b", Kind: parley.StepMessage, Text: "Bye", Action: parley.ScriptEnd, Closing: "Bye"},
		}, []int64{self}},
	} {
		script := &parley.ChatbotScript{Enabled: true, Steps: tc.steps}
		if got := script.HandOverChannels(self); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
