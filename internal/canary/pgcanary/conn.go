package pgcanary

import (
	"context"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/honeyvault/honeyvault/internal/canary"
)

// serveConn takes one connection through startup and a failed login.
func (s *Server) serveConn(ctx context.Context, conn net.Conn) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(connTimeout))
	be := pgproto3.NewBackend(conn, conn)
	be.SetMaxBodyLen(maxBodyLen)
	var startup *pgproto3.StartupMessage
	for i := 0; startup == nil; i++ {
		if i == maxNegotiates {
			return
		}
		msg, err := be.ReceiveStartupMessage()
		if err != nil {
			s.log.Debug("pgcanary: no startup message", "remote", conn.RemoteAddr(), "err", err)
			return
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
			if _, err := conn.Write([]byte{'N'}); err != nil {
				return
			}
		case *pgproto3.StartupMessage:
			startup = m
		default: // CancelRequest: there is nothing to cancel
			return
		}
	}
	p := startup.Parameters
	user, database := p["user"], p["database"]
	if database == "" {
		database = user // PostgreSQL's default
	}
	if user == "" {
		s.rec.Record(ctx, hitOf(conn, user, database, p["application_name"], ""))
		be.Send(noUser)
		be.Flush()
		return
	}
	be.Send(&pgproto3.AuthenticationCleartextPassword{})
	password := ""
	if be.Flush() == nil && be.SetAuthType(pgproto3.AuthTypeCleartextPassword) == nil {
		if msg, err := be.Receive(); err == nil {
			if pm, ok := msg.(*pgproto3.PasswordMessage); ok {
				password = pm.Password
			}
		}
	}
	// A client that offered no password still tried: record it either way.
	s.rec.Record(ctx, hitOf(conn, user, database, p["application_name"], password))
	be.Send(authFailed(user))
	be.Flush() // the client may have gone: nothing to do about it
}

// hitOf records an attempt: who, as which user, on which database, from
// which application, and the token the password, user or database held.
// The password itself is not recorded.
func hitOf(conn net.Conn, user, database, app, password string) canary.Hit {
	d := map[string]string{
		"user":     canary.Clip(user),
		"database": canary.Clip(database),
		"password": "none",
	}
	if password != "" {
		d["password"] = "offered"
	}
	if app != "" {
		d["application_name"] = canary.Clip(app)
	}
	tok := ""
	for _, place := range []string{password, user, database} {
		if tok = canary.FindToken(place); tok != "" {
			break
		}
	}
	return canary.Hit{
		Kind:   canary.KindPostgres,
		Token:  tok,
		Remote: canary.RemoteAddr(conn.RemoteAddr().String()),
		At:     time.Now(),
		Detail: d,
	}
}

// authFailed is the error PostgreSQL sends for a wrong password, field for
// field (auth.c's auth_failed).
func authFailed(user string) *pgproto3.ErrorResponse {
	return &pgproto3.ErrorResponse{
		Severity:            "FATAL",
		SeverityUnlocalized: "FATAL",
		Code:                "28P01",
		Message:             `password authentication failed for user "` + user + `"`, // as PostgreSQL quotes it: no escaping
		File:                "auth.c",
		Line:                321,
		Routine:             "auth_failed",
	}
}

// noUser is PostgreSQL's answer to a startup message without a user.
var noUser = &pgproto3.ErrorResponse{
	Severity:            "FATAL",
	SeverityUnlocalized: "FATAL",
	Code:                "28000",
	Message:             "no PostgreSQL user name specified in startup packet",
	File:                "postmaster.c",
	Line:                2230,
	Routine:             "ProcessStartupPacket",
}
