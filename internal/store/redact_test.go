package store

import "testing"

func TestRedactURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"sqlite:/var/lib/supplyhub/supplyhub.db", "sqlite:/var/lib/supplyhub/supplyhub.db"},
		{"postgres://app:s3cret@db:5432/supplyhub?sslmode=require", "postgres://app:xxxxx@db:5432/supplyhub?sslmode=require"},
		{"postgresql://app@db/supplyhub?password=s3cret&sslmode=disable", "postgresql://app@db/supplyhub?password=xxxxx&sslmode=disable"},
		{"postgres://app@db/supplyhub", "postgres://app@db/supplyhub"},
		{"postgres://app:s3cret%zz@db/supplyhub", "postgres://(unparsable URL)"},
	} {
		if got := RedactURL(c.in); got != c.want {
			t.Errorf("RedactURL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
