package inbound

import (
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/connectors/email"
)

var trustKeys = email.ReplyKeys{Current: []byte("test reply key, 32 bytes long!!")}

func TestParseFindsTokens(t *testing.T) {
	tok := trustKeys.Token("22-31", "moebel")
	raw := "From: bob@moebel.example\r\n" +
		"To: \"Supplyhub\" <orders+22-31." + tok + "@supplyhub.example>, other@x.example\r\n" +
		"Delivered-To: orders+22-40.aaaaaaaaaaaaaaaa@supplyhub.example\r\n" +
		"In-Reply-To: <order.created.22-31+" + tok + "@supplyhub.example>\r\n" +
		"References: <x@y> <order.created.22-31+" + tok + "@supplyhub.example>\r\n" +
		"Authentication-Results: mx.supplyhub.example; dkim=pass header.d=moebel.example\r\n" +
		"Authentication-Results: evil; dmarc=pass\r\n" +
		"Subject: Re: Order 22-31\r\n\r\nACCEPT\r\n"
	p, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	want := []Token{
		{Number: "22-31", Token: tok, Header: "In-Reply-To"},
		{Number: "22-31", Token: tok, Header: "References"},
		{Number: "22-31", Token: tok, Header: "To"},
		{Number: "22-40", Token: "aaaaaaaaaaaaaaaa", Header: "Delivered-To"},
	}
	if len(p.Tokens) != len(want) {
		t.Fatalf("Tokens = %+v, want %+v", p.Tokens, want)
	}
	for i := range want {
		if p.Tokens[i] != want[i] {
			t.Errorf("Tokens[%d] = %+v, want %+v", i, p.Tokens[i], want[i])
		}
	}
	if len(p.AuthResults) != 2 || !strings.HasPrefix(p.AuthResults[0], "mx.supplyhub.example") {
		t.Errorf("AuthResults = %q", p.AuthResults)
	}
}

func TestCheckToken(t *testing.T) {
	tok := trustKeys.Token("22-31", "moebel")
	other := trustKeys.Token("22-30", "moebel")
	tests := []struct {
		name   string
		tokens []Token
		reason string // "" means valid
	}{
		{"genuine in-reply-to", []Token{{"22-31", tok, "In-Reply-To"}}, ""},
		{"genuine plus-address among others", []Token{{"22-30", other, "To"}, {"22-31", tok, "Delivered-To"}}, ""},
		{"none", nil, "no valid reply token: the mail carries none"},
		{"token of another order", []Token{{"22-30", other, "To"}}, "tokens for 22-30 only"},
		{"another order's token on this number", []Token{{"22-31", other, "In-Reply-To"}}, "does not match"},
		{"made-up token", []Token{{"22-31", "aaaaaaaaaaaaaaaa", "To"}}, "does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CheckToken(Parsed{Tokens: tt.tokens}, "22-31", "moebel", trustKeys)
			if (tt.reason == "") != (got == "") || !strings.Contains(got, tt.reason) {
				t.Errorf("CheckToken = %q, want %q", got, tt.reason)
			}
		})
	}
	if got := CheckToken(Parsed{Tokens: []Token{{"22-31", tok, "To"}}}, "22-31", "tools", trustKeys); got == "" {
		t.Error("a token for another supplier's order of the same number must not pass")
	}
}

func TestCheckAuth(t *testing.T) {
	const mx = "mx.supplyhub.example"
	tests := []struct {
		name    string
		headers []string
		policy  AuthPolicy
		reason  string // "" means accepted
	}{
		{"absent", nil, AuthPolicy{}, ""},
		{"absent but required", nil, AuthPolicy{Require: true}, "no Authentication-Results header"},
		{"dmarc pass", []string{mx + "; dmarc=pass (p=reject) header.from=moebel.example"}, AuthPolicy{Require: true}, ""},
		{"dmarc fail", []string{mx + "; dkim=pass header.d=moebel.example; dmarc=fail header.from=moebel.example"}, AuthPolicy{}, "authentication failed: dmarc=fail"},
		{"aligned dkim", []string{mx + "; dkim=pass header.i=@mail.moebel.example header.s=s1; spf=fail smtp.mailfrom=x@evil.example"}, AuthPolicy{}, ""},
		{"aligned spf", []string{mx + "; spf=pass smtp.mailfrom=bounce@moebel.example; dkim=none"}, AuthPolicy{}, ""},
		{"unaligned dkim", []string{mx + "; dkim=pass header.d=evil.example"}, AuthPolicy{}, "dkim=pass for evil.example, not aligned"},
		{"spf softfail", []string{mx + "; spf=softfail smtp.mailfrom=moebel.example; dkim=none"}, AuthPolicy{}, "spf=softfail"},
		{"only none", []string{mx + "; dkim=none; spf=none"}, AuthPolicy{}, ""},
		{"only none, required", []string{mx + "; none"}, AuthPolicy{Require: true}, "no dkim, spf or dmarc pass"},
		{"forged pass below the server's fail", []string{mx + "; dmarc=fail", "evil; dmarc=pass"}, AuthPolicy{}, "dmarc=fail"},
		{"forged pass below is not read", []string{mx + "; spf=none", "evil; dmarc=pass"}, AuthPolicy{Require: true}, "no dkim, spf or dmarc pass"},
		{"authserv-id picks the header", []string{"evil; dmarc=pass", mx + "; dmarc=fail"}, AuthPolicy{AuthServID: mx}, "dmarc=fail"},
		{"authserv-id absent", []string{"evil; dmarc=pass"}, AuthPolicy{AuthServID: mx, Require: true}, "no Authentication-Results header"},
		{"tld is not aligned", []string{mx + "; dkim=pass header.d=example"}, AuthPolicy{}, "not aligned"},
		{"comments and versions", []string{mx + " 1; dkim/1=pass (good signature) header.d=moebel.example (x)"}, AuthPolicy{Require: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CheckAuth(Parsed{From: "bob@Moebel.example", AuthResults: tt.headers}, tt.policy)
			if (tt.reason == "") != (got == "") || !strings.Contains(got, tt.reason) {
				t.Errorf("CheckAuth = %q, want %q", got, tt.reason)
			}
		})
	}
}
