package portal

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"unicode"

	"github.com/supplyhub/supplyhub/internal/store"
)

// maxFilesPerForm bounds the files one form may carry.
const maxFilesPerForm = 10

// uploadLimit is the body limit of the manual order form: its files plus
// room for the fields.
func (s *Server) uploadLimit() int64 { return s.opts.MaxAttachmentBytes + 1<<20 }

// saveUploads stores the files sent in the form's "files" input with
// manual order id. It returns a message for the operator when a file is
// refused (too large, empty); the other files of the form are kept.
func (s *Server) saveUploads(r *http.Request, id int64) (string, error) {
	if r.MultipartForm == nil {
		return "", nil
	}
	var problems []string
	fhs := r.MultipartForm.File["files"]
	if len(fhs) > maxFilesPerForm {
		return fmt.Sprintf("Attach at most %d files at a time.", maxFilesPerForm), nil
	}
	for _, fh := range fhs {
		name := sanitizeFilename(fh.Filename)
		if fh.Filename == "" && fh.Size == 0 {
			continue // the empty file input of a form sent without a file
		}
		if fh.Size > s.opts.MaxAttachmentBytes {
			size, limit := byteSize(fh.Size), byteSize(s.opts.MaxAttachmentBytes)
			if fh.Size-s.opts.MaxAttachmentBytes < s.opts.MaxAttachmentBytes/20 { // "10.0 MiB; at most 10 MiB" would puzzle
				size, limit = fmt.Sprintf("%d bytes", fh.Size), fmt.Sprintf("%d bytes", s.opts.MaxAttachmentBytes)
			}
			problems = append(problems, fmt.Sprintf("%s is %s; a file can be at most %s. It was not attached.", name, size, limit))
			continue
		}
		if fh.Size == 0 {
			problems = append(problems, name+" is empty. It was not attached.")
			continue
		}
		f, err := fh.Open()
		if err != nil {
			return "", fmt.Errorf("open upload %s: %w", name, err)
		}
		data, err := io.ReadAll(io.LimitReader(f, s.opts.MaxAttachmentBytes+1))
		_ = f.Close()
		if err != nil {
			return "", fmt.Errorf("read upload %s: %w", name, err)
		}
		// The type is what the content is, not what the browser claimed.
		a := &store.Attachment{ManualOrderID: id, Filename: name, ContentType: http.DetectContentType(data), Size: int64(len(data)), Data: data}
		if err := s.st.AddAttachment(r.Context(), a); errors.Is(err, store.ErrNotDraft) {
			return "This order is no longer a draft; files can no longer be attached.", nil
		} else if err != nil {
			return "", err
		}
		s.log.Info("manual order file attached", "id", id, "file", name, "bytes", a.Size, "type", a.ContentType)
	}
	return strings.Join(problems, " "), nil
}

// sanitizeFilename keeps the last path element of a browser's file name,
// with letters, digits, spaces and ._-()+, at most 120 characters;
// anything else becomes "_". An empty or dot-only result is "attachment".
func sanitizeFilename(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	name = path.Base(name)
	var b strings.Builder
	n := 0
	for _, r := range name {
		if n == 120 {
			break
		}
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(" ._-()+", r):
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
		n++
	}
	out := strings.Trim(b.String(), " .")
	if out == "" || strings.Trim(out, "_") == "" {
		return "attachment"
	}
	return out
}

// serveAttachment sends a stored file as a download: never shown inline,
// never sniffed into something else, never run as a page.
func serveAttachment(w http.ResponseWriter, a *store.Attachment) {
	h := w.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Content-Length", strconv.FormatInt(int64(len(a.Data)), 10))
	_, _ = w.Write(a.Data)
}

// manualFile serves a manual order's file to an operator.
func (s *Server) manualFile(w http.ResponseWriter, r *http.Request, _ *store.User) {
	id, err1 := strconv.ParseInt(r.PathValue("id"), 10, 64)
	fid, err2 := strconv.ParseInt(r.PathValue("file"), 10, 64)
	if err1 != nil || err2 != nil {
		s.notFound(w, r)
		return
	}
	a, err := s.st.Attachment(r.Context(), id, fid)
	if !s.loaded(w, r, err) {
		return
	}
	serveAttachment(w, a)
}

// supplierFile serves a file of the confirmed manual order behind one of
// the supplier's own supplier orders.
func (s *Server) supplierFile(w http.ResponseWriter, r *http.Request, u *store.User) {
	fid, err := strconv.ParseInt(r.PathValue("file"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	a, err := s.st.SupplierAttachment(r.Context(), u.SupplierID, r.PathValue("number"), fid)
	if !s.loaded(w, r, err) {
		return
	}
	serveAttachment(w, a)
}

// tooLarge answers a form whose body is over its limit.
func (s *Server) tooLarge(w http.ResponseWriter, r *http.Request, limit int64) {
	msg := fmt.Sprintf("This form was larger than %s and was not saved.", byteSize(limit))
	if limit > 1<<20 {
		msg = fmt.Sprintf("The files sent were larger than the limit: a file can be at most %s. Nothing in this form was saved. Go back and attach a smaller file.", byteSize(s.opts.MaxAttachmentBytes))
	}
	s.render(w, r, http.StatusRequestEntityTooLarge, "error", view{Title: "Too large", Page: errorPage{Heading: "Too large", Message: msg}})
}

// manualRoutes registers the operator's manual orders and the supplier's
// download of their files.
func (s *Server) manualRoutes() {
	s.page("GET /portal/manual", operatorOnly, s.manualList)
	s.page("GET /portal/manual/new", operatorOnly, s.manualNew)
	s.pageLimit("POST /portal/manual/new", operatorOnly, s.uploadLimit(), s.manualCreate)
	s.page("GET /portal/manual/{id}", operatorOnly, s.manualView)
	s.pageLimit("POST /portal/manual/{id}", operatorOnly, s.uploadLimit(), s.manualPost)
	s.page("GET /portal/manual/{id}/files/{file}", operatorOnly, s.manualFile)
	s.page("GET /portal/orders/{number}/files/{file}", supplierOnly, s.supplierFile)
}
