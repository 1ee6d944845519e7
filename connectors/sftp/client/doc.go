// Package client uploads supplier-order files to a supplier's own SFTP
// server. A Session is dialled once per scheduled run and reused for every
// file of that run; each Put writes a temporary file in the remote folder
// and renames it into place, so a supplier polling the folder never reads
// half a file. For polling a supplier's status files, a Session also
// lists a folder's regular files (List), reads one whole up to a size
// limit (Get) and moves it aside once processed (Move).
//
// The server's host key is always verified against known_hosts lines or a
// SHA256 fingerprint from the settings: there is no "accept any key" mode,
// because an order file carries customer names and addresses.
package client
