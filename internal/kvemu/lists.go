package kvemu

import (
	"maps"
	"net/http"
	"slices"
	"strings"
)

func (l *lifecycle[O, I]) list(c *call) (result, error)        { return l.listOf(c, false) }
func (l *lifecycle[O, I]) listDeleted(c *call) (result, error) { return l.listOf(c, true) }

// listOf pages the latest versions of the live or deleted objects.
func (l *lifecycle[O, I]) listOf(c *call, deleted bool) (result, error) {
	c.v.mu.Lock()
	s := l.shelf(c.v)
	m := s.live
	if deleted {
		m = s.deleted
	}
	objs := slices.Collect(maps.Values(m))
	slices.SortFunc(objs, func(a, b O) int {
		return strings.Compare(strings.ToLower(a.displayName()), strings.ToLower(b.displayName()))
	})
	items := make([]I, 0, len(objs))
	for _, o := range objs {
		items = append(items, l.item(c, o))
	}
	c.v.mu.Unlock()
	p, err := pageOf(c, items, func(it I) string { return strings.ToLower(l.itemID(it)) })
	if err != nil {
		return result{}, err
	}
	return result{status: http.StatusOK, body: p}, nil
}

// listVersions pages the versions of the live object the call names,
// sorted by id.
func (l *lifecycle[O, I]) listVersions(c *call) (result, error) {
	c.v.mu.Lock()
	o, ok := l.shelf(c.v).live[strings.ToLower(c.name)]
	if !ok {
		c.v.mu.Unlock()
		return result{}, errNotFound(l.kind, c.name)
	}
	items := l.versionItems(c, o)
	id := l.objectID(c, o.displayName())
	c.v.mu.Unlock()
	slices.SortFunc(items, func(a, b I) int { return strings.Compare(l.itemID(a), l.itemID(b)) })
	p, err := pageOf(c, items, l.itemID)
	if err != nil {
		return result{}, err
	}
	return result{status: http.StatusOK, body: p, id: id}, nil
}
