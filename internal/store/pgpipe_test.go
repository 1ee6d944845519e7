package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

const (
	qRename  = `UPDATE retailers SET name = $2 WHERE id = $1`
	qRecode  = `UPDATE retailers SET code = $2 WHERE id = $1`
	qNameOf  = `SELECT name FROM retailers WHERE id = $1`
	qCountOf = `SELECT count(*) FROM retailers`
)

func nameOf(t *testing.T, ctx context.Context, q store.Querier, id int64) string {
	t.Helper()
	var name string
	if err := q.QueryRow(ctx, qNameOf, id).Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}

// A statement queued with ExecLater runs before the transaction's next
// statement and commits with it; when it fails, the transaction fails with
// its error and nothing of it is committed.
func TestExecLater(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, _, _ := seed(t, st)
		other := &domain.Retailer{Code: "other", Name: "Other", Email: "o@other.test"}
		if err := st.UpsertRetailer(ctx, other); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name      string
			fn        func(tx store.Tx) error
			wantName  string
			wantError bool
		}{
			{"read after", func(tx store.Tx) error {
				if err := store.ExecLater(ctx, tx, qRename, r.ID, "Renamed"); err != nil {
					return err
				}
				if got := nameOf(t, ctx, tx, r.ID); got != "Renamed" {
					t.Errorf("read in the transaction: %q, want the queued update's", got)
				}
				return nil
			}, "Renamed", false},
			{"committed alone", func(tx store.Tx) error {
				return store.ExecLater(ctx, tx, qRename, r.ID, "Alone")
			}, "Alone", false},
			{"failing", func(tx store.Tx) error {
				if _, err := tx.Exec(ctx, qRename, r.ID, "Lost"); err != nil {
					return err
				}
				// A duplicate code: fails where it runs.
				return store.ExecLater(ctx, tx, qRecode, r.ID, other.Code)
			}, "Alone", true},
			{"failing before a read", func(tx store.Tx) error {
				if err := store.ExecLater(ctx, tx, qRecode, r.ID, other.Code); err != nil {
					return err
				}
				var n int
				return tx.QueryRow(ctx, qCountOf).Scan(&n)
			}, "Alone", true},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				err := st.InTx(ctx, tc.fn)
				if tc.wantError != (err != nil) {
					t.Fatalf("InTx: %v, want error %v", err, tc.wantError)
				}
				if tc.wantError && !st.IsUniqueViolation(err) {
					t.Errorf("InTx: %v, want the queued statement's unique violation", err)
				}
				if got := nameOf(t, ctx, st.DB(), r.ID); got != tc.wantName {
					t.Errorf("name after: %q, want %q", got, tc.wantName)
				}
			})
		}
	})
}

// On PostgreSQL a transaction's BEGIN and its queued statements travel with
// its next statement, and its last queued ones with COMMIT: a transaction
// of n reads, each followed by a queued update, is n+1 round trips (it was
// 2n+2), and one that sent nothing commits without any.
func TestTxRoundTrips(t *testing.T) {
	storetest.SkipWithoutPostgres(t)
	ctx := context.Background()
	st := storetest.Open(t, store.KindPostgres)
	r, _, _ := seed(t, st)
	for _, n := range []int{0, 1, 3} {
		before := st.TxRoundTrips()
		err := st.InTx(ctx, func(tx store.Tx) error {
			for range n {
				nameOf(t, ctx, tx, r.ID)
				if err := store.ExecLater(ctx, tx, qRename, r.ID, "Again"); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := int64(n + 1)
		if n == 0 {
			want = 0
		}
		if got := st.TxRoundTrips() - before; got != want {
			t.Errorf("%d reads and updates: %d round trips, want %d", n, got, want)
		}
	}
}

// River gets the transaction as a pgx.Tx whose Begin is a savepoint: rolling
// it back undoes only what was done under it.
func TestNativeSavepoint(t *testing.T) {
	storetest.SkipWithoutPostgres(t)
	ctx := context.Background()
	st := storetest.Open(t, store.KindPostgres)
	r, _, _ := seed(t, st)
	err := st.InTx(ctx, func(tx store.Tx) error {
		native, ok := tx.Native().(pgx.Tx)
		if !ok {
			return errors.New("native transaction is not a pgx.Tx")
		}
		if err := store.ExecLater(ctx, tx, qRename, r.ID, "Kept"); err != nil {
			return err
		}
		sp, err := native.Begin(ctx)
		if err != nil {
			return err
		}
		if _, err := sp.Exec(ctx, qRename, r.ID, "Undone"); err != nil {
			return err
		}
		if err := sp.Rollback(ctx); err != nil {
			return err
		}
		_, err = native.Exec(ctx, `UPDATE retailers SET email = $2 WHERE id = $1`, r.ID, "kept@acme.test")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := nameOf(t, ctx, st.DB(), r.ID); got != "Kept" {
		t.Errorf("name %q, want the update before the savepoint's", got)
	}
}
