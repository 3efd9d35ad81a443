package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/storable"
)

// Lease is who holds a named lease (table leases, migration 0016).
type Lease struct {
	Name       string
	Holder     string
	Token      int64 // grows each time the lease changes hands
	AcquiredAt time.Time
	RenewedAt  time.Time
	Expires    time.Time
}

// Held reports whether the lease is held by someone at now.
func (l Lease) Held(now time.Time) bool { return l.Holder != "" && now.Before(l.Expires) }

// ErrLeaseLost is RenewLease's error when the lease is no longer the
// caller's: it expired and another holder took it (or it was released).
var ErrLeaseLost = errors.New("store: lease lost")

// AcquireLease takes the lease name for holder for ttl when nobody holds
// it, or renews it when holder does. It returns the lease as it now
// stands and whether holder holds it. Taking a lease another holder let
// expire increments its token; renewing keeps it. dead, if not nil, says
// whether a holder is known to be gone (a process of this host that no
// longer runs): its lease is taken at once rather than after it expires.
// The database decides: two replicas asking at once get one holder.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration, dead func(holder string) bool) (Lease, bool, error) {
	if strings.TrimSpace(name) == "" || strings.TrimSpace(holder) == "" || ttl <= 0 {
		return Lease{}, false, errors.New("store: a lease needs a name, a holder and a positive duration")
	}
	var out Lease
	var mine bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		cur, found, err := readLease(ctx, tx, name, s.dialect.forUpdate())
		if err != nil {
			return err
		}
		switch {
		case !found:
			out = Lease{Name: name, Holder: holder, Token: 1, AcquiredAt: now, RenewedAt: now, Expires: now.Add(ttl)}
			// Two replicas may both find no row: the first insert wins,
			// the other reads the winner's lease.
			res, err := tx.ExecContext(ctx, `INSERT INTO leases (name, holder, token, acquired_at, renewed_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (name) DO NOTHING`,
				storable.Text(name), storable.Text(holder), out.Token, micros(now), micros(now), micros(out.Expires))
			if err != nil {
				return fmt.Errorf("store: unable to take lease %s: %w", name, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				out, _, err = readLease(ctx, tx, name, "")
				return err
			}
		case cur.Holder == holder:
			out = cur
			out.RenewedAt, out.Expires = now, now.Add(ttl)
			_, err = tx.ExecContext(ctx, `UPDATE leases SET renewed_at = $1, expires_at = $2 WHERE name = $3`, micros(now), micros(out.Expires), storable.Text(name))
		case cur.Held(now) && (dead == nil || !dead(cur.Holder)):
			out = cur
			return nil
		default:
			out = Lease{Name: name, Holder: holder, Token: cur.Token + 1, AcquiredAt: now, RenewedAt: now, Expires: now.Add(ttl)}
			_, err = tx.ExecContext(ctx, `UPDATE leases SET holder = $1, token = $2, acquired_at = $3, renewed_at = $3, expires_at = $4 WHERE name = $5`,
				storable.Text(holder), out.Token, micros(now), micros(out.Expires), storable.Text(name))
		}
		if err != nil {
			return fmt.Errorf("store: unable to take lease %s: %w", name, err)
		}
		mine = true
		return nil
	})
	return out, mine, err
}

// RenewLease extends holder's lease name, taken with token, to ttl from
// now; ErrLeaseLost when it is no longer holder's with that token or has
// expired (whoever takes it next must be able to trust it was free).
func (s *Store) RenewLease(ctx context.Context, name, holder string, token int64, ttl time.Duration) (Lease, error) {
	var out Lease
	err := s.tx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		res, err := tx.ExecContext(ctx, `UPDATE leases SET renewed_at = $1, expires_at = $2 WHERE name = $3 AND holder = $4 AND token = $5 AND expires_at > $1`,
			micros(now), micros(now.Add(ttl)), storable.Text(name), storable.Text(holder), token)
		if err != nil {
			return fmt.Errorf("store: unable to renew lease %s: %w", name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrLeaseLost
		}
		out, _, err = readLease(ctx, tx, name, "")
		return err
	})
	return out, err
}

// ReleaseLease gives up holder's lease name (taken with token) at once, so
// that another replica need not wait for it to expire. Releasing a lease
// one no longer holds does nothing.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string, token int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE leases SET expires_at = $1 WHERE name = $2 AND holder = $3 AND token = $4`,
			micros(s.now()), storable.Text(name), storable.Text(holder), token); err != nil {
			return fmt.Errorf("store: unable to release lease %s: %w", name, err)
		}
		return nil
	})
}

// Leases lists every lease, held or not, by name.
func (s *Store) Leases(ctx context.Context) ([]Lease, error) {
	return listRows(ctx, s, "leases", "SELECT name, holder, token, acquired_at, renewed_at, expires_at FROM leases ORDER BY name", scanLease)
}

func readLease(ctx context.Context, tx *sql.Tx, name, lock string) (Lease, bool, error) {
	l, err := scanLease(tx.QueryRowContext(ctx, "SELECT name, holder, token, acquired_at, renewed_at, expires_at FROM leases WHERE name = $1"+lock, storable.Text(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return Lease{}, false, nil
	}
	if err != nil {
		return Lease{}, false, fmt.Errorf("store: unable to read lease %s: %w", name, err)
	}
	return l, true, nil
}

func scanLease(row scanner) (Lease, error) {
	var l Lease
	var acquired, renewed, expires int64
	if err := row.Scan(&l.Name, &l.Holder, &l.Token, &acquired, &renewed, &expires); err != nil {
		return Lease{}, err
	}
	l.AcquiredAt, l.RenewedAt, l.Expires = fromMicros(acquired), fromMicros(renewed), fromMicros(expires)
	return l, nil
}
