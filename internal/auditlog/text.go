package auditlog

import "github.com/honeyvault/honeyvault/internal/storable"

// storable writes every text field of ev in its storable form (see package
// storable): a NUL as \u0000 and each byte that is not UTF-8 as \xNN. A
// caller may put either anywhere in a request (a user agent, a URI), and a
// record must read the same whichever database stores it, without losing
// what was sent. Names that detection matches (ObjectName, VaultName) are
// valid Key Vault names already; this pass is for everything else.
func (ev *Event) storable() {
	c := &ev.Caller
	for _, f := range [...]*string{
		&ev.VaultID, &ev.VaultName, &ev.ObjectName, &ev.ObjectVersion, &ev.Action, &ev.Operation, &ev.Category,
		&ev.ResultType, &ev.ResultSignature, &ev.ResultDescription, &ev.CorrelationID, &ev.RequestURI, &ev.ObjectURI,
		&ev.ResourceID, &ev.Status,
		&c.ObjectID, &c.UPN, &c.AppID, &c.TenantID, &c.IP, &c.ClientInfo, &c.Name,
	} {
		*f = storable.Text(*f)
	}
}
