// Package pipeline moves an order through Supplyhub: validate the
// retailer's request, split it per supplier, persist it with one delivery
// per supplier channel and the jobs that deliver them in a single
// transaction, then work those jobs through the channel connectors and
// record every attempt.
package pipeline
