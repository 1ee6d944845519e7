package app

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/connectors/drop"
	"github.com/supplyhub/supplyhub/connectors/sftp/server"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// hostKeySecret names the SFTP host key in the store.
const hostKeySecret = "sftp_host_key"

// newSFTPServer builds the built-in SFTP server over the store. Its host
// key lives in the database unless sftp.host_key names a file, so every
// replica behind a load balancer presents the same key.
func newSFTPServer(ctx context.Context, cfg *config.Config, st *store.Store, log *slog.Logger, onInbound, onCatalog func(ctx context.Context, supplierID int64, name string)) (*server.Server, error) {
	var signer ssh.Signer
	if cfg.SFTP.HostKey == "" {
		pemBytes, err := st.SharedSecret(ctx, hostKeySecret, func() ([]byte, error) {
			_, priv, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				return nil, err
			}
			block, err := ssh.MarshalPrivateKey(priv, "supplyhub sftp host key")
			if err != nil {
				return nil, err
			}
			return pem.EncodeToMemory(block), nil
		})
		if err != nil {
			return nil, err
		}
		if signer, err = ssh.ParsePrivateKey(pemBytes); err != nil {
			return nil, fmt.Errorf("sftp host key: %w", err)
		}
	}
	slog := log.With("component", "sftp")
	return server.New(server.Config{
		Addr: cfg.SFTP.Addr, HostKeyPath: cfg.SFTP.HostKey, HostKey: signer,
		MaxSessions: cfg.SFTP.MaxSessions, IdleTimeout: cfg.SFTP.IdleTimeout, MaxFileSize: cfg.SFTP.MaxFileSize,
		HandshakeTimeout: cfg.SFTP.HandshakeTimeout, MaxUnauthenticated: cfg.SFTP.MaxUnauthenticated,
		MaxUnauthenticatedPerIP: cfg.SFTP.MaxUnauthenticatedPerIP, LoginFailures: cfg.SFTP.LoginFailures, LoginBan: cfg.SFTP.LoginBan,
		TempDir: filepath.Join(cfg.DataDir, "sftp-tmp"), Logger: slog,
		OnRetrieved: func(ctx context.Context, supplierID int64, name string) {
			ok, err := st.MarkRetrieved(ctx, supplierID, name, time.Now())
			switch {
			case err != nil:
				slog.Error("record retrieval", "supplier_id", supplierID, "file", name, "error", err)
			case !ok:
				slog.Info("file taken from /outbound names no supplier order (or it was already retrieved)", "supplier_id", supplierID, "file", name)
			default:
				slog.Info("supplier order retrieved", "supplier_id", supplierID, "file", name)
			}
		},
		OnInbound: onInbound,
		OnCatalog: onCatalog,
	}, server.NewStoreAccounts(st), server.NewDBStorage(st))
}

// sftpRouter sends a channel to the built-in server when its settings say
// "hosted": true, and to the supplier's own server otherwise.
type sftpRouter struct {
	remote drop.Dialer
	hosted drop.Dialer // nil when the built-in server is off
}

type hostedFlag struct {
	Hosted bool `json:"hosted"`
}

func isHosted(raw []byte) bool {
	var h hostedFlag
	_ = json.Unmarshal(raw, &h)
	return h.Hosted
}

var errNoBuiltinSFTP = errors.New("the channel is hosted but the built-in SFTP server is off (sftp.addr is empty)")

func (r sftpRouter) Dial(ctx context.Context, req *pipeline.DeliveryRequest) (drop.Uploader, error) {
	if isHosted(req.Channel.Settings) {
		if r.hosted == nil {
			return nil, errNoBuiltinSFTP
		}
		return r.hosted.Dial(ctx, req)
	}
	return r.remote.Dial(ctx, req)
}

func (r sftpRouter) Key(req *pipeline.DeliveryRequest) string {
	if isHosted(req.Channel.Settings) && r.hosted != nil {
		return r.hosted.Key(req)
	}
	return r.remote.Key(req)
}

func (r sftpRouter) Validate(raw []byte) []pipeline.SettingsProblem {
	if isHosted(raw) {
		return nil
	}
	return r.remote.Validate(raw)
}

func (r sftpRouter) IsPermanent(err error) bool {
	return errors.Is(err, errNoBuiltinSFTP) || r.remote.IsPermanent(err)
}
