// Package domain holds the types every other package speaks: retailers,
// suppliers, orders split into supplier orders, money, deliveries and their
// attempts. It has no dependencies beyond the standard library.
package domain
