package config

import (
	"strings"
	"testing"
)

// TestCatalogProblemsNameTheirKey: every bad catalog setting is reported
// under its own key, and a good block passes.
func TestCatalogProblemsNameTheirKey(t *testing.T) {
	check := func(_ *Config, typ string, _ []byte) (bool, []Problem) { return typ == "file" || typ == "sftp", nil }
	tests := []struct {
		name, catalog, key, msg string
	}{
		{"bad mode", `{mode: strict}`, "suppliers[0].catalog.mode", "off, warn or enforce"},
		{"bad policy", `{mode: enforce, price_mismatch: maybe}`, "suppliers[0].catalog.price_mismatch", "refuse or accept"},
		{"policy without enforce", `{mode: warn, price_mismatch: accept}`, "suppliers[0].catalog.price_mismatch", "only applies"},
		{"feed without dir", `{feed: {channel: own}}`, "suppliers[0].catalog.feed.dir", "required"},
		{"relative dir", `{feed: {channel: own, dir: catalog}}`, "suppliers[0].catalog.feed.dir", "absolute"},
		{"bad cron", `{feed: {channel: own, dir: /c, poll: "every hour"}}`, "suppliers[0].catalog.feed.poll", "cron"},
		{"no such channel", `{feed: {channel: nope, dir: /c}}`, "suppliers[0].catalog.feed.channel", "no channel named"},
		{"not pollable", `{feed: {channel: file, dir: /c}}`, "suppliers[0].catalog.feed.channel", "only sftp and ftp"},
		{"hosted", `{feed: {channel: hosted, dir: /c}}`, "suppliers[0].catalog.feed.channel", "/inbound/catalog"},
		{"good", `{mode: enforce, price_mismatch: accept, feed: {channel: own, dir: /c, poll: "*/10 * * * *"}}`, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := write(t, `
suppliers:
  - code: "31"
    name: Tools
    channels: [{type: file}, {name: own, type: sftp, host: h}, {name: hosted, type: sftp, hosted: true}]
    catalog: `+tc.catalog+"\n")
			_, err := Load(path, nil, check)
			if tc.key == "" {
				if err != nil {
					t.Fatalf("good catalog refused: %v", err)
				}
				return
			}
			ps, ok := err.(Problems)
			if !ok {
				t.Fatalf("err %v, want Problems", err)
			}
			for _, p := range ps {
				if p.Key == tc.key && strings.Contains(p.Msg, tc.msg) {
					return
				}
			}
			t.Errorf("no %s problem saying %q; got:\n%s", tc.key, tc.msg, ps.Error())
		})
	}
}
