// Package ftp uploads supplier-order files to a supplier's own FTP server,
// in the clear or over TLS (explicit AUTH TLS or implicit). A Session is
// dialled once per scheduled run and reused for every file of that run;
// each Put stores a temporary file in the remote folder and renames it
// into place (STOR, RNFR/RNTO), so a supplier polling the folder never
// reads half a file. For polling a supplier's status files, a Session
// also lists a folder's regular files (List), reads one whole up to a
// size limit (Get) and moves it aside once processed (Move).
//
// Transfers are passive (EPSV, falling back to PASV); the data connection
// goes to the control connection's address whatever PASV announces, which
// also guards against a hostile server pointing it elsewhere. Active mode
// is not offered.
package ftp
