package formats

import (
	"strings"
	"testing"
)

// TestCancellationAnswerRows: every format reads a row answering a
// cancellation request, and old files keep decoding as before.
func TestCancellationAnswerRows(t *testing.T) {
	files := map[string]string{
		StatusFormatCSV:  "supplier_order_number,status,note\n22-31,Cancellation accepted,\n22-40,cancellation-refused,already packed\n22-41,shipped,\n",
		StatusFormatJSON: `[{"supplier_order_number":"22-31","status":"cancellation_accepted"},{"supplier_order_number":"22-40","status":"cancellation_refused","note":"already packed"},{"supplier_order_number":"22-41","status":"shipped"}]`,
		StatusFormatXML:  `<status_updates><update order="22-31" status="cancellation_accepted"/><update><order>22-40</order><status>cancellation_refused</status><note>already packed</note></update><update order="22-41" status="shipped"/></status_updates>`,
	}
	for format, in := range files {
		t.Run(format, func(t *testing.T) {
			f, err := DecodeStatus(format, strings.NewReader(in), DecodeOptions{})
			if err != nil || len(f.Errors) > 0 || len(f.Rows) != 3 {
				t.Fatalf("decode: %v %+v", err, f)
			}
			want := []struct{ status, note string }{{StatusCancellationAccepted, ""}, {StatusCancellationRefused, "already packed"}, {"shipped", ""}}
			for i, w := range want {
				if f.Rows[i].Status != w.status || f.Rows[i].Note != w.note {
					t.Errorf("row %d: %+v, want %s %q", i, f.Rows[i], w.status, w.note)
				}
			}
		})
	}
	f, err := DecodeStatus(StatusFormatCSV, strings.NewReader("supplier_order_number,status\n22-31,cancellation_maybe\n"), DecodeOptions{})
	if err != nil || len(f.Errors) != 1 || !strings.Contains(f.Errors[0].Reason, "unknown status") {
		t.Fatalf("unknown answer: %v %+v", err, f)
	}
}
