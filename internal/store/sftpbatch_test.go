package store_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

func TestSFTPPutFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		_, s1, s2 := seed(t, st)
		file := func(sup int64, name, data string) store.SFTPFileData {
			return store.SFTPFileData{SFTPFile: store.SFTPFile{SupplierID: sup, Folder: "outbound", Name: name}, Data: []byte(data)}
		}
		if err := st.PutSFTPFile(ctx, store.SFTPFile{SupplierID: s1.ID, Folder: "outbound", Name: "1-31.csv", Size: 3},
			strings.NewReader("old")); err != nil {
			t.Fatal(err)
		}
		// Out of order, a replacement, the same name twice (the last
		// wins), an empty file and another supplier's.
		err := st.PutSFTPFiles(ctx, []store.SFTPFileData{
			file(s1.ID, "3-31.csv", "three"),
			file(s1.ID, "1-31.csv", "one, new"),
			file(s2.ID, "2-40.csv", "two"),
			file(s1.ID, "4-31.csv", "first"),
			file(s1.ID, "4-31.csv", "second"),
			file(s1.ID, "empty.csv", ""),
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			sup        int64
			name, want string
		}{
			{s1.ID, "1-31.csv", "one, new"}, {s1.ID, "3-31.csv", "three"}, {s1.ID, "4-31.csv", "second"},
			{s1.ID, "empty.csv", ""}, {s2.ID, "2-40.csv", "two"},
		} {
			if got := readAll(t, st, tc.sup, "outbound", tc.name); string(got) != tc.want {
				t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
			}
			f, err := st.SFTPFileInfo(ctx, tc.sup, "outbound", tc.name)
			if err != nil || f.Size != int64(len(tc.want)) || f.ModTime.IsZero() {
				t.Errorf("%s: info %+v, %v", tc.name, f, err)
			}
		}
		if list, err := st.ListSFTPFiles(ctx, s1.ID, "outbound"); err != nil || len(list) != 4 {
			t.Fatalf("list %+v %v", list, err)
		}
		// Replaced content is gone: 5 files, 5 blobs, 4 chunks (the empty
		// file has none).
		var blobs, chunks int
		if err := st.DB().QueryRow(ctx, `SELECT count(*) FROM sftp_blobs`).Scan(&blobs); err != nil {
			t.Fatal(err)
		}
		if err := st.DB().QueryRow(ctx, `SELECT count(*) FROM sftp_chunks`).Scan(&chunks); err != nil {
			t.Fatal(err)
		}
		if blobs != 5 || chunks != 4 {
			t.Fatalf("blobs %d chunks %d, want 5 and 4", blobs, chunks)
		}

		// All or nothing: a file over one chunk fails the batch before
		// anything is written, and a failing insert rolls back the rest.
		big := store.SFTPFileData{SFTPFile: store.SFTPFile{SupplierID: s1.ID, Folder: "outbound", Name: "big.csv"},
			Data: bytes.Repeat([]byte("x"), store.SFTPChunkSize+1)}
		if err := st.PutSFTPFiles(ctx, []store.SFTPFileData{file(s1.ID, "5-31.csv", "five"), big}); err == nil || !strings.Contains(err.Error(), "big.csv") {
			t.Fatalf("file over a chunk: %v", err)
		}
		if err := st.PutSFTPFiles(ctx, []store.SFTPFileData{file(s1.ID, "5-31.csv", "five"), file(999999, "x.csv", "no supplier")}); err == nil {
			t.Fatal("a file of an unknown supplier was stored")
		}
		if _, err := st.SFTPFileInfo(ctx, s1.ID, "outbound", "5-31.csv"); err == nil {
			t.Fatal("5-31.csv committed with a failed batch")
		}
		if err := st.DB().QueryRow(ctx, `SELECT count(*) FROM sftp_blobs`).Scan(&blobs); err != nil || blobs != 5 {
			t.Fatalf("blobs after failed batches %d (%v), want 5", blobs, err)
		}
	})
}
