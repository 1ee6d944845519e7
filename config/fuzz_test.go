package config

import (
	"errors"
	"testing"
)

// FuzzLoad feeds arbitrary YAML to the configuration loader: it must never
// panic, every refusal must be a Problems list, and a configuration it
// accepts must validate again without problems.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		"",
		"data_dir: /tmp/x\nhttp:\n  addr: 127.0.0.1:8080\n",
		"suppliers:\n  - code: \"31\"\n    name: Tools\n    channels:\n      - type: file\n        schedule: \"0 6 * * *\"\n",
		"summary:\n  schedule: \"TZ=\"\n",
		"summary:\n  schedule: \"0 0 31 2 *\"\n",
		"retailers:\n  - code: ../../etc\n    name: x\n",
		"webhooks:\n  allow_private: [\"10.0.0.0/8\", \"nonsense\"]\n",
		"a: &a [*a, *a]\n",
		"http: {addr: [1, 2]}\n",
		"jobs:\n  max_workers: 99999999999999999999\n",
		"\xff\xfe: x\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := parse(b, nil, nil)
		if err != nil {
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("error %v is not a Problems list", err)
			}
			return
		}
		if ps := cfg.Validate(nil); len(ps) > 0 {
			t.Fatalf("accepted configuration fails validation: %v", ps)
		}
	})
}
