package inbound

import "testing"

func TestHTMLToText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "SHIPPED DHL 123", "SHIPPED DHL 123"},
		{"entities and nbsp", "<p>CANCEL:&nbsp;size&#160;42 &amp; 43 &lt;sold out&gt;</p>", "CANCEL: size 42 & 43 <sold out>"},
		{"br and blocks", "<div>NOTE: a<br>b<BR/>c</div><p>d</p>", "NOTE: a\nb\nc\nd"},
		{"whitespace collapses", "<p>  ACCEPT \n\t </p>\n\n<p></p><p>x</p>", "ACCEPT\nx"},
		{"blank line kept once", "<p>a</p><br><br><br><p>b</p>", "a\n\nb"},
		{"hidden parts dropped", "<head><title>t</title><style>x{}</style></head><script>CANCEL</script><!-- CANCEL -->ok", "ok"},
		{"blockquote quoted", "DELIVERED<blockquote><p>CANCEL: x</p><blockquote>deeper</blockquote>after</blockquote>end",
			"DELIVERED\n> CANCEL: x\n> deeper\n> after\nend"},
		{"inline tags keep the line", "<b>SHIPPED</b> <span>DHL</span> <a href=\"x\">123</a>", "SHIPPED DHL 123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := htmlToText(tt.in); got != tt.want {
				t.Errorf("htmlToText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
