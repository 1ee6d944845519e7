package inbound

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/supplyhub/supplyhub/connectors/email"
)

// FuzzReply feeds raw RFC 822 bytes through Parse, Interpret and the trust
// checks: whatever arrives in the mailbox, nothing may panic, and an
// Interpretation is either a complete command or a review with a reason.
// The seed corpus is testdata/fuzz/FuzzReply plus every .eml sample.
func FuzzReply(f *testing.F) {
	for _, pattern := range []string{"testdata/*.eml", "testdata/replies/*.eml"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, name := range files {
			raw, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(raw)
		}
	}
	keys := email.ReplyKeys{Current: []byte("fuzz key")}
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, _ := Parse(raw)
		in := Interpret(p, testDomain)
		if in.Review {
			if in.Reason == "" {
				t.Fatal("review without a reason")
			}
		} else {
			c := in.Command
			if c.Action == "" || c.SupplierOrderNumber == "" || in.MatchedBy == "" {
				t.Fatalf("incomplete command %+v", in)
			}
			if c.Action == ActionShip && (c.Carrier == "" || c.Tracking == "") {
				t.Fatalf("ship without carrier or tracking: %+v", c)
			}
			if (c.Action == ActionCancel || c.Action == ActionReject || c.Action == ActionNote) && c.Note == "" {
				t.Fatalf("%s without a note", c.Action)
			}
		}
		_ = CheckToken(p, in.Command.SupplierOrderNumber, "31", keys)
		_ = CheckAuth(p, AuthPolicy{Require: true})
		_ = CheckAuth(p, AuthPolicy{AuthServID: "mx.supplyhub.example"})
	})
}
