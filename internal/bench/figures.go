package bench

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// figures works out intake and delivery figures from the POSTs and the
// arrivals.
func figures(r *Report, sents []sent, tr *tracker, sups []supplier, loadStart, loadEnd time.Time) {
	r.Posted = len(sents)
	r.LoadSecs = math.Round(loadEnd.Sub(loadStart).Seconds()*100) / 100
	var lat []time.Duration
	startOf := map[string]time.Time{} // order number → POST start
	for _, s := range sents {
		if s.err != nil {
			r.Failed++
			if r.FirstError == "" {
				r.FirstError = s.err.Error()
			}
			continue
		}
		r.Accepted++
		lat = append(lat, s.latency)
		startOf[s.number] = s.start
	}
	r.OrdersPerS = perSecond(r.Accepted, loadEnd.Sub(loadStart))
	r.APILatency = summarise(lat)
	got, refused := tr.snapshot()
	r.Refused = refused
	chanOf := map[string]string{}
	for _, s := range sups {
		chanOf[s.Code] = s.Channel
	}
	type acc struct {
		ChannelFigures
		lat  []time.Duration
		last time.Time
	}
	per := map[string]*acc{}
	var order []string
	for _, s := range sups {
		if per[s.Channel] == nil {
			per[s.Channel] = &acc{ChannelFigures: ChannelFigures{Channel: s.Channel}}
			order = append(order, s.Channel)
		}
		per[s.Channel].Expected += r.Accepted
	}
	for num, times := range got {
		ord, code, ok := splitNumber(num)
		start, known := startOf[ord]
		a := per[chanOf[code]]
		if !ok || !known || a == nil {
			r.Strays += len(times)
			continue
		}
		a.Delivered++
		a.Duplicates += len(times) - 1
		sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
		a.lat = append(a.lat, times[0].Sub(start))
		r.timeline = append(r.timeline, timelineRow{posted: start.Sub(loadStart), latency: times[0].Sub(start),
			channel: a.Channel, number: num})
		if times[len(times)-1].After(a.last) {
			a.last = times[len(times)-1]
		}
	}
	var last time.Time
	for _, ch := range order {
		a := per[ch]
		a.Lost = a.Expected - a.Delivered
		a.Latency = summarise(a.lat)
		a.PerSecond = perSecond(a.Delivered, a.last.Sub(loadStart))
		r.Expected += a.Expected
		r.Delivered += a.Delivered
		r.Lost += a.Lost
		r.Duplicates += a.Duplicates
		if a.last.After(last) {
			last = a.last
		}
		r.Channel = append(r.Channel, a.ChannelFigures)
	}
	r.DeliveriesS = perSecond(r.Delivered, last.Sub(loadStart))
}

// ratios sets each Supplyhub figure against its baseline: a rate as
// Supplyhub/baseline (1 is as fast as bare), a latency as
// Supplyhub/baseline (1 is no overhead). Rate ratios are left out of a
// paced run (--rate), whose rates are the pace, not a capacity.
func ratios(r *Report) {
	r.Ratios = map[string]float64{}
	paced := r.Rate > 0
	rate := func(k string, a, b float64) {
		if !paced {
			r.Ratios[k] = ratio(a, b)
		}
	}
	ch := map[string]ChannelFigures{}
	for _, c := range r.Channel {
		ch[c.Channel] = c
	}
	for _, b := range r.Baselines {
		if b.Err != "" || b.PerSecond == 0 {
			continue
		}
		switch {
		case strings.HasPrefix(b.What, "store:"):
			rate("orders_per_second / raw_store_inserts_per_second", r.OrdersPerS, b.PerSecond)
			r.Ratios["api_post_p50 / raw_store_insert_p50"] = ratio(r.APILatency.P50, b.Latency.P50)
		case strings.HasPrefix(b.What, "webhook:"):
			rate("webhook_deliveries_per_second / bare_client_per_second", ch["webhook"].PerSecond, b.PerSecond)
			r.Ratios["webhook_post_to_delivered_p50 / bare_request_p50"] = ratio(ch["webhook"].Latency.P50, b.Latency.P50)
		case strings.HasPrefix(b.What, "email:"):
			rate("emails_per_second / bare_smtp_per_second", ch["email"].PerSecond, b.PerSecond)
			r.Ratios["email_post_to_delivered_p50 / bare_send_p50"] = ratio(ch["email"].Latency.P50, b.Latency.P50)
		case strings.HasPrefix(b.What, "sftp:"):
			rate("sftp_drops_per_second / raw_sftp_writes_per_second", ch["sftp"].PerSecond, b.PerSecond)
		}
	}
}

func sortedKeys(m map[string]float64) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// errIncomplete marks a run whose orders were not all delivered exactly
// once.
var errIncomplete = errors.New("lost or duplicate deliveries")

// Verdict is nil when every accepted order reached every supplier once
// and nothing was refused.
func (r *Report) Verdict() error {
	if r.Target != "" { // deliveries are not seen: only intake can fail
		if r.Accepted == 0 || r.Failed > 0 {
			return fmt.Errorf("%w: %d accepted, %d failed", errIncomplete, r.Accepted, r.Failed)
		}
		return nil
	}
	if r.Lost > 0 || r.Duplicates > 0 || r.Strays > 0 || len(r.Refused) > 0 || r.Accepted == 0 {
		return fmt.Errorf("%w: %d accepted, %d lost, %d duplicates, %d strays, %d refused",
			errIncomplete, r.Accepted, r.Lost, r.Duplicates, r.Strays, len(r.Refused))
	}
	return nil
}
