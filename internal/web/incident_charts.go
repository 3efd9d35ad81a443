package web

import (
	"fmt"
	"time"

	"github.com/honeyvault/honeyvault/internal/store"
)

// The incident list's charts are drawn here as SVG geometry that the
// template writes out as elements: no script, no style attribute (the CSP
// forbids both), colours from classes in style.css. Each bar carries a
// <title> with its exact count, and every chart an aria-label.

// incidentCharts are the four charts of /incidents.
type incidentCharts struct {
	Days                        dayChart
	Vaults, Operations, Callers barChart
	Empty                       bool // nothing to draw
}

// dayChart is vertical bars, one a day.
type dayChart struct {
	Width, Height, Base int // Base: the y of the axis
	Bars                []dayBar
	First, Last         string // the first and last day, under the axis
	Caption             string
}

type dayBar struct {
	X, Y, W, H int
	Title      string
}

// barChart is a ranking as horizontal bars.
type barChart struct {
	Width, Height int
	Caption       string
	Bars          []rankBar
}

type rankBar struct {
	X, Y, TextY, W, CountX int
	Label, Title, Href     string
	N                      int
	Hot                    bool
}

const (
	chartWidth   = 260
	dayHeight    = 120
	dayBase      = 100
	rowHeight    = 22
	labelWidth   = 112
	maxBarWidth  = 120
	labelChars   = 16
	chartMaxDays = 31
)

// drawIncidentCharts lays out c. since is the range's start (zero: all
// time, charted over the last 30 days), now its end; q makes the vault
// bars links that filter the list.
func drawIncidentCharts(c store.IncidentCharts, since, now time.Time, q incidentsQuery) incidentCharts {
	out := incidentCharts{Empty: len(c.ByVault) == 0}
	out.Days = drawDays(c.ByDay, since, now)
	out.Vaults = drawRanking("Incidents by vault", c.ByVault, func(b store.Bucket) (string, bool) {
		return q.url(func(q *incidentsQuery) { q.Vault, q.Before = b.Key, 0 }), false
	})
	out.Operations = drawRanking("Alerts by operation", c.ByOperation, func(b store.Bucket) (string, bool) {
		return "", hotOperation(b.Class, b.Key)
	})
	out.Callers = drawRanking("Incidents by caller", c.ByCaller, nil)
	return out
}

func drawDays(byDay map[time.Time]int, since, now time.Time) dayChart {
	end := now.UTC().Truncate(24 * time.Hour)
	start := end.AddDate(0, 0, -29)
	caption := "Incidents per day, last 30 days"
	if !since.IsZero() {
		start, caption = since.UTC().Truncate(24*time.Hour), "Incidents per day"
	}
	if end.Sub(start) > chartMaxDays*24*time.Hour {
		start = end.AddDate(0, 0, -(chartMaxDays - 1))
	}
	var days []time.Time
	top := 1
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		days = append(days, d)
		top = max(top, byDay[d])
	}
	ch := dayChart{Width: chartWidth, Height: dayHeight, Base: dayBase, Caption: caption,
		First: days[0].Format("Jan 2"), Last: days[len(days)-1].Format("Jan 2")}
	slot := chartWidth / len(days)
	for i, d := range days {
		n := byDay[d]
		h := n * (dayBase - 10) / top
		if n > 0 && h < 2 {
			h = 2
		}
		ch.Bars = append(ch.Bars, dayBar{X: i*slot + 1, Y: dayBase - h, W: max(slot-2, 1), H: h,
			Title: fmt.Sprintf("%s: %d incident%s", d.Format("2006-01-02"), n, plural(n))})
	}
	return ch
}

// drawRanking lays out buckets, most first; link gives a bar's link and
// whether it is highlighted.
func drawRanking(caption string, buckets []store.Bucket, link func(store.Bucket) (string, bool)) barChart {
	ch := barChart{Width: chartWidth, Height: max(len(buckets), 1) * rowHeight, Caption: caption}
	top := 1
	for _, b := range buckets {
		top = max(top, b.N)
	}
	for i, b := range buckets {
		label := b.Key
		if b.Label != "" {
			label = b.Label
		}
		full := label
		if r := []rune(label); len(r) > labelChars {
			label = string(r[:labelChars-1]) + "…"
		}
		w := max(b.N*maxBarWidth/top, 2)
		bar := rankBar{X: labelWidth, Y: i*rowHeight + 4, TextY: i*rowHeight + 16, W: w, CountX: labelWidth + w + 4,
			Label: label, Title: fmt.Sprintf("%s: %d", full, b.N), N: b.N}
		if link != nil {
			bar.Href, bar.Hot = link(b)
		}
		ch.Bars = append(ch.Bars, bar)
	}
	return ch
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
