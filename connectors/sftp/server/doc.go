// Package server is Supplyhub's built-in SFTP server, for suppliers that
// have no server of their own: they log in to Supplyhub, pick up their
// orders and drop their status files.
//
// Every account (one per supplier; user name defaults to the supplier
// code, password stored as a bcrypt hash and/or authorized public keys)
// sees the same fixed tree and nothing else:
//
//	/outbound  orders waiting for pickup, placed by the daemon with
//	           PutOutbound. Read-only for the supplier except that it may
//	           delete a file or move it out (to /archive), which fires
//	           OnRetrieved. Uploads and renames into it are refused, so
//	           only Supplyhub decides what is an order there.
//	/inbound   the supplier's uploads; a committed upload, or a rename to
//	           a final name, fires OnInbound. Names that look temporary
//	           (leading dot; .tmp, .temp, .part, .partial, .filepart,
//	           .upload) do not fire until renamed, so temp-then-rename
//	           uploads are reported once, under the final name.
//	/inbound/catalog
//	           catalog feed files (CSV or JSON); like /inbound, but a
//	           committed upload fires OnCatalog.
//	/archive   the supplier's own shelf: upload, rename, delete freely.
//
// There are no other sub-folders: mkdir and rmdir are refused with a message
// saying so, as are symlink and hard link. Client paths are cleaned as
// rooted paths, so "..", absolute paths and repeated slashes cannot leave
// the tree; backslashes, NUL, control characters and invalid UTF-8 in
// names are refused. The supplier id comes from the login, never from a
// path.
//
// Files live in a Storage: DBStorage (the database, so every replica
// behind the load balancer serves the same files) or MemStorage (tests).
// An upload is spooled in memory, or in an unlinked temp file once it
// exceeds Config.MemUploadSize, and committed to the Storage when the
// client closes the handle; an upload whose connection drops first is
// discarded. Rename replaces an existing target only for
// posix-rename@openssh.com (what OpenSSH's sftp sends); plain SFTP v3
// rename refuses it. Setstat accepts times and permissions and ignores
// them.
package server
