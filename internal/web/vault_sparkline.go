package web

import (
	"fmt"
	"time"
)

// A vault's records over the last 24 hours, drawn as the incident charts
// are (incident_charts.go): SVG geometry the template writes out, colours
// from style.css, a <title> per bar with its exact count and hour, and the
// whole said in words beside it for those who cannot see the bars.

// sparkHours is how many hourly bars the sparkline has.
const sparkHours = 24

const (
	sparkWidth  = 240 // 10 per hour
	sparkHeight = 40
)

// sparkline is one vault's records per hour, oldest first.
type sparkline struct {
	Width, Height int
	Bars          []sparkBar
	Label         string // the chart in words: its aria-label and caption
	Total         int
}

type sparkBar struct {
	X, Y, W, H int
	Title      string
}

// drawSparkline lays out perHour (UTC hour → records, as
// store.EventsPerHour gives) over the 24 hours that end with now's.
func drawSparkline(perHour map[time.Time]int, now time.Time) sparkline {
	first := sparkStart(now)
	sp := sparkline{Width: sparkWidth, Height: sparkHeight}
	peak, peakAt := 0, time.Time{}
	for i := 0; i < sparkHours; i++ {
		h := first.Add(time.Duration(i) * time.Hour)
		n := perHour[h]
		sp.Total += n
		if n > peak {
			peak, peakAt = n, h
		}
	}
	slot := sparkWidth / sparkHours
	for i := 0; i < sparkHours; i++ {
		h := first.Add(time.Duration(i) * time.Hour)
		n := perHour[h]
		bh := 0
		if peak > 0 {
			bh = n * (sparkHeight - 2) / peak
		}
		if n > 0 && bh < 2 {
			bh = 2 // one record still shows
		}
		sp.Bars = append(sp.Bars, sparkBar{X: i*slot + 1, Y: sparkHeight - bh, W: slot - 2, H: bh,
			Title: fmt.Sprintf("%s–%s UTC: %d record%s", h.Format("Jan 2 15:04"), h.Add(time.Hour).Format("15:04"), n, plural(n))})
	}
	sp.Label = "Audit records per hour, last 24 hours: none"
	if sp.Total > 0 {
		sp.Label = fmt.Sprintf("Audit records per hour, last 24 hours: %d in all, at most %d (%s–%s UTC)",
			sp.Total, peak, peakAt.Format("15:04"), peakAt.Add(time.Hour).Format("15:04"))
	}
	return sp
}

// sparkStart is the start of the sparkline's first hour: 23 hours before
// the start of now's.
func sparkStart(now time.Time) time.Time {
	return now.UTC().Truncate(time.Hour).Add(-(sparkHours - 1) * time.Hour)
}
