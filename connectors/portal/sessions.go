package portal

import (
	"context"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/supplyhub/supplyhub/internal/store"
)

// sessionStore keeps scs sessions in Supplyhub's database, so every
// replica sees every session and a restart signs nobody out. scs hashes
// the token before it gets here (HashTokenInStore).
type sessionStore struct{ st *store.Store }

var _ scs.CtxStore = sessionStore{}

func (s sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	return s.st.FindSession(ctx, token)
}

func (s sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return s.st.CommitSession(ctx, token, b, expiry)
}

func (s sessionStore) DeleteCtx(ctx context.Context, token string) error {
	return s.st.DeleteSession(ctx, token)
}

// The context-free methods exist for scs.Store; scs calls the Ctx ones.
func (s sessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

func (s sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

func (s sessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }
