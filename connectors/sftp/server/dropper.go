package server

import (
	"context"
	"strconv"

	"github.com/supplyhub/supplyhub/connectors/drop"
	"github.com/supplyhub/supplyhub/pipeline"
)

// Dropper lets a drop channel put order files into a supplier's /outbound
// folder of this server.
type Dropper struct{ Server *Server }

type outbound struct {
	srv        *Server
	supplierID int64
}

func (o outbound) Put(ctx context.Context, name string, data []byte) error {
	return o.srv.PutOutbound(ctx, o.supplierID, name, data)
}

func (o outbound) Close() error { return nil }

// ConcurrentPut: drops into the folder need not wait for each other, and
// PutOutbound groups concurrent ones into one commit.
func (o outbound) ConcurrentPut() {}

// Dial returns the supplier's outbound folder; there is no connection.
func (d Dropper) Dial(_ context.Context, req *pipeline.DeliveryRequest) (drop.Uploader, error) {
	return outbound{srv: d.Server, supplierID: req.Supplier.ID}, nil
}

// Key is the supplier: one "session" per supplier folder.
func (d Dropper) Key(req *pipeline.DeliveryRequest) string {
	return "hosted/" + strconv.FormatInt(req.Supplier.ID, 10)
}

// Validate has nothing to check: the folder is the supplier's own.
func (d Dropper) Validate([]byte) []pipeline.SettingsProblem { return nil }

// IsPermanent: database errors are worth retrying.
func (d Dropper) IsPermanent(error) bool { return false }
