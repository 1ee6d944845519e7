package store_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

func TestSFTPAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		_, s1, s2 := seed(t, st)

		if _, err := st.SFTPAccountBySupplier(ctx, s1.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("no account yet: err %v", err)
		}
		// Setting a password creates the account under the supplier code.
		if err := st.SetSFTPPasswordHash(ctx, s1.ID, "$2a$hash"); err != nil {
			t.Fatal(err)
		}
		a, err := st.SFTPAccountByUsername(ctx, s1.Code)
		if err != nil {
			t.Fatal(err)
		}
		if a.SupplierID != s1.ID || a.PasswordHash != "$2a$hash" || len(a.Keys) != 0 || a.CreatedAt.IsZero() {
			t.Fatalf("account %+v", a)
		}
		k := store.SFTPKey{Fingerprint: "SHA256:abc", PublicKey: "ssh-ed25519 AAAA", Comment: "ops"}
		if err := st.AddSFTPKey(ctx, s1.ID, k); err != nil {
			t.Fatal(err)
		}
		k.Comment = "ops laptop"
		if err := st.AddSFTPKey(ctx, s1.ID, k); err != nil {
			t.Fatal(err)
		}
		if err := st.UpsertSFTPAccount(ctx, s1.ID, "tools"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SFTPAccountByUsername(ctx, s1.Code); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("old name still logs in: %v", err)
		}
		a, err = st.SFTPAccountByUsername(ctx, "tools")
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Keys) != 1 || a.Keys[0].Comment != "ops laptop" || a.PasswordHash != "$2a$hash" {
			t.Fatalf("account after rename %+v", a)
		}
		// A second supplier cannot take the same name.
		if err := st.UpsertSFTPAccount(ctx, s2.ID, "tools"); err == nil || !st.IsUniqueViolation(err) {
			t.Fatalf("duplicate username: %v", err)
		}
		if err := st.DeleteSFTPKey(ctx, s1.ID, "SHA256:abc"); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteSFTPKey(ctx, s1.ID, "SHA256:abc"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
		if err := st.UpsertSFTPAccount(ctx, 999999, ""); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown supplier: %v", err)
		}
	})
}

func TestSFTPFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		_, s1, s2 := seed(t, st)

		put := func(sup int64, folder, name string, data []byte) {
			t.Helper()
			f := store.SFTPFile{SupplierID: sup, Folder: folder, Name: name, Size: int64(len(data))}
			if err := st.PutSFTPFile(ctx, f, bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
		}
		put(s1.ID, "outbound", "22-31.csv", []byte("a,b\n"))
		put(s1.ID, "outbound", "22-31.csv", []byte("a,b,c\n")) // replace
		put(s1.ID, "outbound", "empty.csv", nil)
		put(s2.ID, "outbound", "22-40.csv", []byte("other"))

		got := readAll(t, st, s1.ID, "outbound", "22-31.csv")
		if string(got) != "a,b,c\n" {
			t.Fatalf("content %q", got)
		}
		if got := readAll(t, st, s1.ID, "outbound", "empty.csv"); len(got) != 0 {
			t.Fatalf("empty file %q", got)
		}
		f, first, err := st.OpenSFTPFile(ctx, s1.ID, "outbound", "22-31.csv")
		if err != nil || f.Size != 6 || string(first) != "a,b,c\n" {
			t.Fatalf("open: %+v %q %v", f, first, err)
		}
		if f, first, err := st.OpenSFTPFile(ctx, s1.ID, "outbound", "empty.csv"); err != nil || f.Size != 0 || first != nil {
			t.Fatalf("open empty: %+v %q %v", f, first, err)
		}
		if _, _, err := st.OpenSFTPFile(ctx, s2.ID, "outbound", "22-31.csv"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("open other supplier's file: %v", err)
		}
		list, err := st.ListSFTPFiles(ctx, s1.ID, "outbound")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Name != "22-31.csv" || list[0].Size != 6 || list[1].Name != "empty.csv" {
			t.Fatalf("list %+v", list)
		}
		if _, err := st.SFTPFileInfo(ctx, s1.ID, "outbound", "22-40.csv"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other supplier's file visible: %v", err)
		}

		// Rename: v3 semantics refuse an existing target, POSIX replaces it.
		put(s1.ID, "archive", "22-31.csv", []byte("old"))
		if err := st.RenameSFTPFile(ctx, s1.ID, "outbound", "22-31.csv", "archive", "22-31.csv", false); !errors.Is(err, store.ErrSFTPFileExists) {
			t.Fatalf("rename onto existing: %v", err)
		}
		if err := st.RenameSFTPFile(ctx, s1.ID, "outbound", "22-31.csv", "archive", "22-31.csv", true); err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, st, s1.ID, "archive", "22-31.csv"); string(got) != "a,b,c\n" {
			t.Fatalf("after posix rename %q", got)
		}
		if err := st.RenameSFTPFile(ctx, s1.ID, "outbound", "22-31.csv", "archive", "x", true); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("rename missing: %v", err)
		}
		if err := st.DeleteSFTPFile(ctx, s1.ID, "archive", "22-31.csv"); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteSFTPFile(ctx, s1.ID, "archive", "22-31.csv"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("delete twice: %v", err)
		}
		// Only the live blobs remain: replaced and deleted content is gone.
		var blobs, chunks int
		if err := st.DB().QueryRow(ctx, `SELECT count(*) FROM sftp_blobs`).Scan(&blobs); err != nil {
			t.Fatal(err)
		}
		if err := st.DB().QueryRow(ctx, `SELECT count(*) FROM sftp_chunks`).Scan(&chunks); err != nil {
			t.Fatal(err)
		}
		if blobs != 2 || chunks != 1 { // empty.csv has no chunk; 22-40.csv one
			t.Fatalf("blobs %d chunks %d, want 2 and 1", blobs, chunks)
		}
	})
}

func TestSFTPLargeFileAndSweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		_, s1, _ := seed(t, st)

		data := make([]byte, 10*store.SFTPChunkSize+12345)
		r := rand.New(rand.NewPCG(1, 2))
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		f := store.SFTPFile{SupplierID: s1.ID, Folder: "inbound", Name: "big.bin", Size: int64(len(data))}
		if err := st.PutSFTPFile(ctx, f, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, st, s1.ID, "inbound", "big.bin"); !bytes.Equal(got, data) {
			t.Fatalf("large file differs (len %d)", len(got))
		}
		// A reader that ends early fails the put and leaves nothing.
		short := store.SFTPFile{SupplierID: s1.ID, Folder: "inbound", Name: "short.bin", Size: int64(len(data))}
		if err := st.PutSFTPFile(ctx, short, bytes.NewReader(data[:3*store.SFTPChunkSize])); !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			t.Fatalf("short put: %v", err)
		}
		if _, err := st.SFTPFileInfo(ctx, s1.ID, "inbound", "short.bin"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("half-written file visible: %v", err)
		}
		// An orphan blob (a replica died mid-commit) is swept after the
		// grace period, and a referenced one never is.
		if _, err := st.DB().Exec(ctx, `INSERT INTO sftp_blobs (supplier_id, size, chunk_size, created_at) VALUES ($1, 1, 1, $2)`,
			s1.ID, time.Now().Add(-2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		n, err := st.SweepSFTPBlobs(ctx, time.Now().Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("swept %d blobs, want 1", n)
		}
		if got := readAll(t, st, s1.ID, "inbound", "big.bin"); !bytes.Equal(got, data) {
			t.Fatal("sweep touched a live file")
		}
	})
}

func readAll(t *testing.T, st *store.Store, sup int64, folder, name string) []byte {
	t.Helper()
	ctx := context.Background()
	f, err := st.SFTPFileInfo(ctx, sup, folder, name)
	if err != nil {
		t.Fatalf("stat %s/%s: %v", folder, name, err)
	}
	var out []byte
	for seq := int64(0); seq*f.ChunkSize < f.Size; seq++ {
		b, err := st.ReadSFTPChunk(ctx, f.BlobID, seq)
		if err != nil {
			t.Fatalf("chunk %d: %v", seq, err)
		}
		out = append(out, b...)
	}
	if int64(len(out)) != f.Size {
		t.Fatalf("read %d bytes, size says %d", len(out), f.Size)
	}
	return out
}

// TestSFTPConcurrentReplace has replicas' worth of writers replace one
// name at once: the survivor is one writer's content, whole, and every
// displaced blob is gone.
func TestSFTPConcurrentReplace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		_, s1, _ := seed(t, st)
		const writers, rounds = 4, 10
		errs := make(chan error, writers)
		for w := range writers {
			go func() {
				for r := range rounds {
					// Every other content spans two chunks.
					n := 100 + w
					if r%2 == 1 {
						n = store.SFTPChunkSize + 10 + w
					}
					data := bytes.Repeat([]byte{byte('a' + w)}, n)
					f := store.SFTPFile{SupplierID: s1.ID, Folder: "outbound", Name: "22-31.csv", Size: int64(n)}
					if err := st.PutSFTPFile(ctx, f, bytes.NewReader(data)); err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for range writers {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		got := readAll(t, st, s1.ID, "outbound", "22-31.csv")
		if len(got) == 0 || !bytes.Equal(got, bytes.Repeat(got[:1], len(got))) {
			t.Fatalf("content mixes writers (%d bytes)", len(got))
		}
		var blobs int
		if err := st.DB().QueryRow(ctx, `SELECT count(*) FROM sftp_blobs`).Scan(&blobs); err != nil {
			t.Fatal(err)
		}
		if blobs != 1 {
			t.Fatalf("%d blobs left, want 1", blobs)
		}
	})
}
