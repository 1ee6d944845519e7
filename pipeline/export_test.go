package pipeline

import "github.com/supplyhub/supplyhub/internal/domain"

// For the tests of package pipeline_test, which may import connectors.

// EncodeSnapshot is encodeSnapshot, what every delivery's snapshot is.
var EncodeSnapshot = encodeSnapshot

// Render sets what req renders through conn, as the dispatcher does for
// an attempt.
func Render(req *DeliveryRequest, conn Channel, live *domain.SupplierOrder, snap []byte) error {
	return req.render(conn, live, snap)
}
