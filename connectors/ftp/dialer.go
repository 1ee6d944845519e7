package ftp

import (
	"context"

	"github.com/supplyhub/supplyhub/connectors/drop"
)

// Dialer connects drop channels through this package.
func Dialer() drop.Dialer {
	return drop.Adapter[Settings]{
		Open: func(ctx context.Context, s Settings) (drop.Uploader, error) {
			sess, err := Dial(ctx, s)
			if err != nil {
				return nil, err // not a typed nil in the interface
			}
			return sess, nil
		},
		Check:     Settings.Validate,
		Permanent: IsPermanent,
	}
}
