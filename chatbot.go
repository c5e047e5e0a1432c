package parley

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
)

// A channel's chatbot script runs in the widget before a human is asked: a short list of
// steps, each a message from the bot, a choice among labelled buttons, or a question
// answered in free text. The steps follow the list unless a step or a choice says where
// to go: to another step, to the end of the chat (with a closing text, and nothing is
// created), or to a hand-over to this channel or another. Past the last step the bot
// hands over to this channel.
//
// The widget walks the script itself, with no round trip per step, and starts the
// conversation at the hand-over with the visitor's answers. The server walks the same
// script again with those answers (WalkScript) and never trusts the widget's path: the
// hand-over it reaches decides the channel, and the exchange becomes the conversation's
// opening messages, the bot's with AuthorBot.

// The kinds of a step.
const (
	StepMessage  = "message"  // the bot says its text and goes on
	StepChoice   = "choice"   // the bot asks; the visitor picks one of the choices
	StepQuestion = "question" // the bot asks; the visitor types an answer
)

// Where a step (message, question) or a choice leads.
const (
	ScriptNext     = "next"      // to the step Next, or the following one when Next is empty
	ScriptEnd      = "end"       // the chat ends with the Closing text; nothing is created
	ScriptHandOver = "hand_over" // a human takes over in ChannelID (0: this channel)
)

// The kinds of a question's answer.
const (
	AnswerText  = "text"
	AnswerEmail = "email"
)

// Limits on a script and its answers.
const (
	MaxScriptSteps   = 20
	MaxScriptChoices = 6
	MaxScriptText    = 1000
	MaxScriptLabel   = 100
	MaxScriptStepID  = 40
	MaxScriptAnswer  = 500
)

// ChatbotScript is a channel's script; disabled (or without steps), the widget starts
// chats as without one.
type ChatbotScript struct {
	Enabled bool         `json:"enabled"`
	Steps   []ScriptStep `json:"steps"`
}

// ScriptStep is one step of a script. Action, Next, Closing and ChannelID say where a
// message or a question leads (see ScriptNext); a choice step leads by its choices.
type ScriptStep struct {
	ID      string         `json:"id"`
	Kind    string         `json:"kind"`
	Text    string         `json:"text"`
	Answer  string         `json:"answer,omitempty"` // question: AnswerText or AnswerEmail
	Choices []ScriptChoice `json:"choices,omitempty"`

	Action    string `json:"action,omitempty"`
	Next      string `json:"next,omitempty"`
	Closing   string `json:"closing,omitempty"`
	ChannelID int64  `json:"channel_id,omitempty"`
}

// HandOverChannels lists the channels the script can hand its chats over to, each once:
// those its hand-overs name, and self (the script's own channel) for a hand-over without
// a channel or a path that goes past the last step.
func (s *ChatbotScript) HandOverChannels(self int64) []int64 {
	var ids []int64
	add := func(action, next string, channelID int64, last bool) {
		switch {
		case action == ScriptHandOver && channelID != 0:
		case action == ScriptHandOver, action != ScriptEnd && next == "" && last:
			channelID = self
		default:
			return
		}
		if !slices.Contains(ids, channelID) {
			ids = append(ids, channelID)
		}
	}
	for i, st := range s.Steps {
		last := i == len(s.Steps)-1
		if st.Kind == StepChoice {
			for _, c := range st.Choices {
				add(c.Action, c.Next, c.ChannelID, last)
			}
		} else {
			add(st.Action, st.Next, st.ChannelID, last)
		}
	}
	return ids
}

// ScriptChoice is one button of a choice step and where it leads.
type ScriptChoice struct {
	Label     string `json:"label"`
	Action    string `json:"action"`
	Next      string `json:"next,omitempty"`
	Closing   string `json:"closing,omitempty"`
	ChannelID int64  `json:"channel_id,omitempty"`
}

// ScriptAnswer is one of the visitor's answers, as the widget sends them in order: the
// step it answers and the label of the choice picked, or the text typed.
type ScriptAnswer struct {
	Step   string `json:"step"`
	Choice string `json:"choice,omitempty"`
	Text   string `json:"text,omitempty"`
}

// ScriptLine is one message of the bot's exchange: the bot's text, or the visitor's
// answer with the text of the step it answers.
type ScriptLine struct {
	Bot      bool
	Text     string
	Question string // an answer's question (or choice step's text)
}

// ChatbotExchange is the bot's exchange that a start stores before the first message
// (NewConversation.Chatbot).
type ChatbotExchange struct {
	BotName string       // the name the bot's messages carry: the scripted channel's
	Lines   []ScriptLine // seq 1, 2, … in order
	// BodyQuestion, when set, makes the first message the answer to that question: the
	// visitor typed nothing more than their last answer.
	BodyQuestion string
}

// ChatbotAnswer is one of the visitor's answers as the operator reads them: the
// question (or choice step) and the answer, with the answer's message number.
type ChatbotAnswer struct {
	Seq      int64  `json:"seq"`
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// ChatbotStore keeps each channel's script and, per conversation, which of its opening
// messages answered which question (chatbot.go in each store).
type ChatbotStore interface {
	// ChatbotScript gives the channel's script: disabled and without steps when none
	// was set. An unknown channel is ENOTFOUND.
	ChatbotScript(ctx context.Context, channelID int64) (*ChatbotScript, error)
	// SetChatbotScript replaces it; DeleteChatbotScript forgets it. An unknown channel is
	// ENOTFOUND.
	SetChatbotScript(ctx context.Context, channelID int64, script *ChatbotScript) error
	DeleteChatbotScript(ctx context.Context, channelID int64) error
	// ChatbotAnswers lists the visitor's answers to the bot in a conversation, in order:
	// none without a bot, and none of those whose message was erased.
	ChatbotAnswers(ctx context.Context, conversationID int64) ([]ChatbotAnswer, error)
}

// Active reports whether the widget runs the script.
func (s *ChatbotScript) Active() bool { return s != nil && s.Enabled && len(s.Steps) > 0 }

// CheckChatbotScript checks a script an admin saves for channel self and gives it back
// tidied (texts trimmed, default actions and answer kinds filled in). channelExists
// tells whether a hand-over's channel is known. Every problem is EINVALID, naming it.
func CheckChatbotScript(s *ChatbotScript, channelExists func(id int64) bool) (*ChatbotScript, error) {
	if s == nil {
		s = &ChatbotScript{}
	}
	out := &ChatbotScript{Enabled: s.Enabled, Steps: make([]ScriptStep, 0, len(s.Steps))}
	if len(s.Steps) > MaxScriptSteps {
		return nil, Errorf(EINVALID, "A chatbot script has at most %d steps; this one has %d.", MaxScriptSteps, len(s.Steps))
	}
	if s.Enabled && len(s.Steps) == 0 {
		return nil, Errorf(EINVALID, "An enabled chatbot script needs at least one step.")
	}
	index := map[string]int{}
	for i, st := range s.Steps {
		st.ID = strings.TrimSpace(st.ID)
		if err := ValidateName(fmt.Sprintf("Step %d's id", i+1), st.ID, MaxScriptStepID, true); err != nil {
			return nil, err
		}
		if _, dup := index[st.ID]; dup {
			return nil, Errorf(EINVALID, "Two steps have the id %q.", st.ID)
		}
		index[st.ID] = i
		out.Steps = append(out.Steps, st)
	}
	checkRoute := func(where string, action, next, closing *string, channelID int64) error {
		*next, *closing = strings.TrimSpace(*next), strings.TrimSpace(*closing)
		if *action == "" {
			*action = ScriptNext
		}
		switch *action {
		case ScriptNext:
			if _, ok := index[*next]; *next != "" && !ok {
				return Errorf(EINVALID, "%s goes to step %q, which does not exist.", where, *next)
			}
		case ScriptEnd:
			if err := ValidateText(where+"'s closing text", *closing, MaxScriptText, true); err != nil {
				return err
			}
		case ScriptHandOver:
			if channelID != 0 && !channelExists(channelID) {
				return Errorf(EINVALID, "%s hands over to channel %d, which does not exist.", where, channelID)
			}
		default:
			return Errorf(EINVALID, "%s has the action %q: it must be %q, %q or %q.", where, *action, ScriptNext, ScriptEnd, ScriptHandOver)
		}
		return nil
	}
	for i := range out.Steps {
		st := &out.Steps[i]
		where := fmt.Sprintf("Step %q", st.ID)
		st.Text = strings.TrimSpace(st.Text)
		if err := ValidateText(where+"'s text", st.Text, MaxScriptText, true); err != nil {
			return nil, err
		}
		switch st.Kind {
		case StepMessage, StepQuestion:
			if len(st.Choices) > 0 {
				return nil, Errorf(EINVALID, "%s is a %s: only a choice step has choices.", where, st.Kind)
			}
			if st.Kind == StepQuestion && st.Answer == "" {
				st.Answer = AnswerText
			}
			if st.Kind == StepQuestion && st.Answer != AnswerText && st.Answer != AnswerEmail {
				return nil, Errorf(EINVALID, "%s expects a %q answer: it must be %q or %q.", where, st.Answer, AnswerText, AnswerEmail)
			}
			if st.Kind == StepMessage {
				st.Answer = ""
			}
			if err := checkRoute(where, &st.Action, &st.Next, &st.Closing, st.ChannelID); err != nil {
				return nil, err
			}
			if st.Action == ScriptNext && st.Next == st.ID {
				return nil, Errorf(EINVALID, "%s goes to itself: it would never end.", where)
			}
		case StepChoice:
			if len(st.Choices) == 0 || len(st.Choices) > MaxScriptChoices {
				return nil, Errorf(EINVALID, "%s needs 1 to %d choices; it has %d.", where, MaxScriptChoices, len(st.Choices))
			}
			st.Answer, st.Action, st.Next, st.Closing, st.ChannelID = "", "", "", "", 0
			st.Choices = append([]ScriptChoice(nil), st.Choices...)
			labels := map[string]bool{}
			for j := range st.Choices {
				c := &st.Choices[j]
				c.Label = strings.TrimSpace(c.Label)
				if err := ValidateName(fmt.Sprintf("%s's choice %d", where, j+1), c.Label, MaxScriptLabel, true); err != nil {
					return nil, err
				}
				if labels[c.Label] {
					return nil, Errorf(EINVALID, "%s has two choices labelled %q.", where, c.Label)
				}
				labels[c.Label] = true
				if err := checkRoute(fmt.Sprintf("%s's choice %q", where, c.Label), &c.Action, &c.Next, &c.Closing, c.ChannelID); err != nil {
					return nil, err
				}
			}
		default:
			return nil, Errorf(EINVALID, "%s has the kind %q: it must be %q, %q or %q.", where, st.Kind, StepMessage, StepChoice, StepQuestion)
		}
	}
	if err := checkExits(out.Steps); err != nil {
		return nil, err
	}
	return out, nil
}

// targets lists the steps a step may lead to (by index; len(steps) stands for the
// hand-over past the last step) and whether it may leave the script (an end or a
// hand-over).
func targets(steps []ScriptStep, i int) (next []int, exits bool) {
	index := func(id string) int {
		for k := range steps {
			if steps[k].ID == id {
				return k
			}
		}
		return -1
	}
	follow := func(action, id string) {
		switch {
		case action != ScriptNext:
			exits = true
		case id == "":
			if i+1 == len(steps) {
				exits = true // past the last step: the hand-over to this channel
			} else {
				next = append(next, i+1)
			}
		default:
			next = append(next, index(id))
		}
	}
	st := steps[i]
	if st.Kind == StepChoice {
		for _, c := range st.Choices {
			follow(c.Action, c.Next)
		}
	} else {
		follow(st.Action, st.Next)
	}
	return next, exits
}

// checkExits refuses a script in which some step, reached from the first, can never
// lead out (to an end or a hand-over): the visitor would go round in it for ever.
func checkExits(steps []ScriptStep) error {
	if len(steps) == 0 {
		return nil
	}
	// out[i]: step i can lead out; found by repeating until nothing changes (at most
	// MaxScriptSteps rounds over MaxScriptSteps steps).
	out := make([]bool, len(steps))
	for changed := true; changed; {
		changed = false
		for i := range steps {
			if out[i] {
				continue
			}
			next, exits := targets(steps, i)
			for _, k := range next {
				exits = exits || out[k]
			}
			if exits {
				out[i], changed = true, true
			}
		}
	}
	seen := make([]bool, len(steps))
	todo := []int{0}
	seen[0] = true
	for len(todo) > 0 {
		i := todo[0]
		todo = todo[1:]
		if !out[i] {
			return Errorf(EINVALID, "Step %q is in a loop without an exit: every way from it comes back without ending or handing over.", steps[i].ID)
		}
		next, _ := targets(steps, i)
		for _, k := range next {
			if !seen[k] {
				seen[k] = true
				todo = append(todo, k)
			}
		}
	}
	return nil
}

// ScriptWalk is where a visitor's answers lead through a script: the channel handed
// over to (0: the script's own) and the exchange on the way.
type ScriptWalk struct {
	HandOver int64
	Lines    []ScriptLine
}

// WalkScript follows a script with the visitor's answers, in order, from the first step
// to a hand-over. A wrong answer (for another step than the one asking, a choice that is
// not one of the step's, an empty, too long or malformed answer), answers that stop
// before a hand-over or go on after it, and a path that ends the chat are EINVALID,
// naming the problem.
func WalkScript(s *ChatbotScript, answers []ScriptAnswer) (*ScriptWalk, error) {
	if !s.Active() {
		return nil, Errorf(EINVALID, "This channel has no chatbot script to answer.")
	}
	index := map[string]int{}
	for i, st := range s.Steps {
		index[st.ID] = i
	}
	w := &ScriptWalk{}
	a := 0
	// A script without a loop of messages alone (CheckChatbotScript) takes an answer at
	// least every len(Steps) steps; the bound only keeps a bad script from spinning.
	for i, n := 0, 0; ; n++ {
		if n > (len(answers)+1)*len(s.Steps) {
			return nil, Errorf(EINVALID, "The chatbot script goes round without an answer.")
		}
		st := s.Steps[i]
		w.Lines = append(w.Lines, ScriptLine{Bot: true, Text: st.Text})
		action, next, closing, channelID := st.Action, st.Next, st.Closing, st.ChannelID
		if st.Kind != StepMessage {
			if a == len(answers) {
				return nil, Errorf(EINVALID, "The answers stop at step %q, which asks the visitor: the chatbot has not handed over yet.", st.ID)
			}
			ans := answers[a]
			a++
			if ans.Step != st.ID {
				return nil, Errorf(EINVALID, "Answer %d is for step %q, but the chatbot asks step %q there.", a, ans.Step, st.ID)
			}
			var text string
			if st.Kind == StepChoice {
				found := false
				for _, c := range st.Choices {
					if c.Label == ans.Choice {
						found = true
						text, action, next, closing, channelID = c.Label, c.Action, c.Next, c.Closing, c.ChannelID
						break
					}
				}
				if !found {
					return nil, Errorf(EINVALID, "Step %q has no choice %q.", st.ID, ans.Choice)
				}
			} else {
				text = strings.TrimSpace(ans.Text)
				if err := ValidateText(fmt.Sprintf("The answer to step %q", st.ID), text, MaxScriptAnswer, true); err != nil {
					return nil, err
				}
				if st.Answer == AnswerEmail {
					if addr, err := mail.ParseAddress(text); err != nil || addr.Address != text || ValidateEmail(text) != nil {
						return nil, Errorf(EINVALID, "The answer to step %q, %q, is not an email address.", st.ID, text)
					}
				}
			}
			w.Lines = append(w.Lines, ScriptLine{Text: text, Question: st.Text})
		}
		switch action {
		case ScriptEnd:
			return nil, Errorf(EINVALID, "These answers end the chat at step %q (%q): there is nobody to hand over to.", st.ID, closing)
		case ScriptHandOver:
			w.HandOver = channelID
		default:
			if next == "" {
				i++
			} else {
				i = index[next]
			}
			if i < len(s.Steps) {
				continue
			}
		}
		if a < len(answers) {
			return nil, Errorf(EINVALID, "The chatbot hands over after %d answers; %d were sent.", a, len(answers))
		}
		return w, nil
	}
}

// FirstSeq is the number the first message of a start takes: after the chatbot's
// exchange, if any. A start resent brings the same exchange, so its first message is
// looked for at the same number.
func (nc *NewConversation) FirstSeq() int64 {
	if nc.Chatbot == nil {
		return 1
	}
	return int64(len(nc.Chatbot.Lines)) + 1
}

// AuditChannelChatbot records an admin's change to a channel's chatbot script.
const AuditChannelChatbot = "channel.chatbot"
