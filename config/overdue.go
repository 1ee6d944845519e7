package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Overdue sets the limits within which suppliers must answer and ship,
// and who is told when one is passed. Limits are durations ("48h", "90m")
// or whole days ("3d"); "off" (or "0", or empty at the top level) turns a
// limit off.
type Overdue struct {
	// AcknowledgeWithin is how long after Supplyhub accepted an order a
	// supplier has to acknowledge (or otherwise answer) it.
	AcknowledgeWithin string `yaml:"acknowledge_within"`
	// ShipWithin is how long after Supplyhub accepted an order a supplier
	// has to ship it.
	ShipWithin string `yaml:"ship_within"`
	// NotifyRetailer also tells the retailer (webhook supplier_order.overdue
	// and an email); the operator (mail.admin) is always told.
	NotifyRetailer bool `yaml:"notify_retailer"`
	// CheckEvery is how often the leader replica looks for overdue orders.
	CheckEvery time.Duration `yaml:"check_every"`
}

// SupplierOverdue overrides the overdue limits for one supplier; an
// empty or unset key keeps the global one.
type SupplierOverdue struct {
	AcknowledgeWithin string `yaml:"acknowledge_within"`
	ShipWithin        string `yaml:"ship_within"`
	NotifyRetailer    *bool  `yaml:"notify_retailer"`
}

// ParseWithin reads an overdue limit: a Go duration ("48h", "90m"), whole
// days ("3d"), or "off"/"0" for no limit (0). Limits are at least a minute.
func ParseWithin(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "", "off", "0":
		return 0, nil
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 || n > 3650 {
			return 0, fmt.Errorf("%q: days must be a whole number from 1 to 3650, like 3d", s)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q is not a duration: use hours like 48h, days like 3d, or off", s)
		}
	}
	if d < time.Minute {
		return 0, fmt.Errorf("%q: must be at least 1m (or off)", s)
	}
	return d, nil
}

// OverdueLimits is the effective overdue policy of one supplier: 0 means
// that limit is off.
type OverdueLimits struct {
	AcknowledgeWithin, ShipWithin time.Duration
	NotifyRetailer                bool
}

// OverdueFor returns the limits of supplier code: its override over the
// global ones. It assumes a validated configuration.
func (c *Config) OverdueFor(code string) OverdueLimits {
	l := OverdueLimits{NotifyRetailer: c.Overdue.NotifyRetailer}
	l.AcknowledgeWithin, _ = ParseWithin(c.Overdue.AcknowledgeWithin)
	l.ShipWithin, _ = ParseWithin(c.Overdue.ShipWithin)
	for _, s := range c.Suppliers {
		if s.Code != code || s.Overdue == nil {
			continue
		}
		if s.Overdue.AcknowledgeWithin != "" {
			l.AcknowledgeWithin, _ = ParseWithin(s.Overdue.AcknowledgeWithin)
		}
		if s.Overdue.ShipWithin != "" {
			l.ShipWithin, _ = ParseWithin(s.Overdue.ShipWithin)
		}
		if s.Overdue.NotifyRetailer != nil {
			l.NotifyRetailer = *s.Overdue.NotifyRetailer
		}
	}
	return l
}

// validateOverdue checks the global limits and every supplier's override.
func (c *Config) validateOverdue() Problems {
	var ps Problems
	check := func(key, v string) {
		if _, err := ParseWithin(v); err != nil {
			ps = append(ps, Problem{Key: key, Msg: err.Error()})
		}
	}
	check("overdue.acknowledge_within", c.Overdue.AcknowledgeWithin)
	check("overdue.ship_within", c.Overdue.ShipWithin)
	if c.Overdue.CheckEvery < time.Minute || c.Overdue.CheckEvery > 24*time.Hour {
		ps = append(ps, Problem{Key: "overdue.check_every", Msg: "must be between 1m and 24h"})
	}
	for i, s := range c.Suppliers {
		if s.Overdue == nil {
			continue
		}
		k := fmt.Sprintf("suppliers[%d].overdue", i)
		check(k+".acknowledge_within", s.Overdue.AcknowledgeWithin)
		check(k+".ship_within", s.Overdue.ShipWithin)
	}
	return ps
}
