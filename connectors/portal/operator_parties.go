package portal

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// partyView is a retailer or supplier with its channels (names and types
// only: settings hold secrets and are never shown) and portal users.
type partyView struct {
	Code, Name, Email string
	Channels          []channelView
	Users             []*store.User
}

// channelView is a channel's name, type and health ("" for a retailer
// channel, whose health is kept under the supplier that sent to it).
type channelView struct {
	Name, Type, Health string
}

// health names an endpoint's state as the pages show it.
func health(e *store.Endpoint) string {
	switch {
	case e == nil:
		return "healthy"
	case e.DisabledAt != nil:
		return "disabled"
	case e.FailingSince != nil:
		return "failing"
	}
	return "healthy"
}

type partyGroup struct {
	Title   string
	Parties []partyView
}

type partiesPage struct {
	Groups    []partyGroup
	Endpoints []*store.Endpoint
}

// parties lists retailers and suppliers, their channels, endpoint health
// and the users an operator may view the portal as.
func (s *Server) parties(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	rs, err := s.st.ListRetailers(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	sups, err := s.st.ListSuppliers(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	users, err := s.st.ListUsers(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	var p partiesPage
	if p.Endpoints, err = s.st.ListEndpoints(ctx); err != nil {
		s.internal(w, r, err)
		return
	}
	usersOf := func(role string, id int64) []*store.User {
		var out []*store.User
		for _, x := range users {
			if x.Role == role && x.DisabledAt == nil && (x.SupplierID == id && role == store.PortalSupplier || x.RetailerID == id && role == store.PortalRetailer) {
				out = append(out, x)
			}
		}
		return out
	}
	eps := map[string]*store.Endpoint{}
	for _, e := range p.Endpoints {
		eps[e.Supplier+"/"+e.Channel] = e
	}
	views := func(code string, chs []domain.Channel) []channelView {
		out := make([]channelView, len(chs))
		for i, c := range chs {
			out[i] = channelView{Name: c.Name, Type: c.Type}
			if code != "" {
				out[i].Health = health(eps[code+"/"+c.Name])
			}
		}
		return out
	}
	sg, rg := partyGroup{Title: "Suppliers"}, partyGroup{Title: "Retailers"}
	for _, rt := range rs {
		rg.Parties = append(rg.Parties, partyView{Code: rt.Code, Name: rt.Name, Email: rt.Email, Channels: views("", rt.Channels),
			Users: usersOf(store.PortalRetailer, rt.ID)})
	}
	for _, sp := range sups {
		sg.Parties = append(sg.Parties, partyView{Code: sp.Code, Name: sp.Name, Email: sp.Email, Channels: views(sp.Code, sp.Channels),
			Users: usersOf(store.PortalSupplier, sp.ID)})
	}
	p.Groups = []partyGroup{sg, rg}
	s.render(w, r, http.StatusOK, "operator_parties", view{Title: "Retailers and suppliers", User: u, Nav: "parties", Page: p})
}

// endpointOf resolves {supplier}/{channel} of an endpoint action.
func (s *Server) endpointOf(w http.ResponseWriter, r *http.Request) (*domain.Supplier, string, bool) {
	sup, err := s.st.SupplierByCode(r.Context(), r.PathValue("supplier"))
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r)
		return nil, "", false
	}
	if err != nil {
		s.internal(w, r, err)
		return nil, "", false
	}
	return sup, r.PathValue("channel"), true
}

// back returns to the page the form was on, when it is a portal page.
func back(w http.ResponseWriter, r *http.Request, fallback string) {
	to := fallback
	if ref, err := url.Parse(r.PostFormValue("back")); err == nil && ref.Path != "" && safeNext(ref.Path) == ref.Path {
		to = ref.RequestURI()
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// enableEndpoint lets deliveries to a disabled endpoint flow again. Its
// dead deliveries stay dead until replayed.
func (s *Server) enableEndpoint(w http.ResponseWriter, r *http.Request, u *store.User) {
	sup, ch, ok := s.endpointOf(w, r)
	if !ok {
		return
	}
	if err := s.st.EnableEndpoint(r.Context(), sup.ID, ch); err != nil {
		s.internal(w, r, err)
		return
	}
	s.audit(r, u, "enable endpoint", sup.Code+"/"+ch, "")
	s.flash(r, fmt.Sprintf("Endpoint %s/%s enabled. Its dead deliveries stay dead until you replay them.", sup.Code, ch))
	back(w, r, "/portal/admin/parties")
}

// replayEndpoint replays every dead delivery of one endpoint.
func (s *Server) replayEndpoint(w http.ResponseWriter, r *http.Request, u *store.User) {
	sup, ch, ok := s.endpointOf(w, r)
	if !ok {
		return
	}
	if s.opts.Queue == nil {
		s.flash(r, "Replay needs the job queue, which this replica does not run.")
		back(w, r, "/portal/admin/parties")
		return
	}
	res, err := pipeline.ReplayEndpoint(r.Context(), s.st, s.opts.Queue, store.DeliveryFilter{SupplierID: sup.ID, Channel: ch, Since: time.Time{}})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	n := 0
	for _, x := range res {
		if x.Replayed {
			n++
		}
	}
	s.audit(r, u, "replay endpoint", sup.Code+"/"+ch, fmt.Sprintf("%d dead deliveries replayed", n))
	s.flash(r, fmt.Sprintf("%d dead deliveries of %s/%s replayed.", n, sup.Code, ch))
	back(w, r, "/portal/admin/parties")
}
