package lab

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// AttackOptions choose what Attack does.
type AttackOptions struct {
	Dir   string // the running lab's directory; "" means DefaultDir
	Vault string // work on this vault only; "" spreads over the estate
	As    string // the outside identity to play ("contractor", "ci-runner"); "" the first
	Out   io.Writer
}

// Identities names the outside identities Attack can play, for help texts.
func Identities() []string {
	out := make([]string, len(outsiders))
	for i, o := range outsiders {
		out[i] = o.Name + " (" + o.About + ")"
	}
	return out
}

// Attack plays an outside identity against the lab running in Dir, from
// this process, with the Azure SDK: the original's test (download the
// public key of a decoy key, read a decoy secret), then what an intruder
// does next — list a vault's secrets and read each one —, a vault the
// identity has no permission on (403s), and last it covers its tracks:
// it deletes a decoy vault's diagnostic setting through Resource Manager
// and reads a decoy there, unseen but for honeyvault's tamper alert on
// the deletion. Step 5 reads a decoy secret carrying a canary of each kind
// and uses the value outside Key Vault against the lab's listeners: a
// request to the URL, a lookup of the host sent to the lab's DNS listener
// (its resolver), a pgx connection. It prints every request and its
// answer. Step 6, unless o.Vault names one vault, goes beyond Azure: it
// reads a decoy in the lab's HashiCorp Vault server with the official
// client (KV v2) as the identity's Vault token, and one in the lab's AWS
// Secrets Manager with aws-sdk-go-v2 (GetSecretValue) as the identity's
// session of a role. Requests the vaults refuse are part of the attack, not errors;
// Attack fails only when the lab cannot be reached.
func Attack(ctx context.Context, o AttackOptions) error {
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	st, err := readState(cmp.Or(o.Dir, DefaultDir))
	if err != nil {
		return err
	}
	targets := st.Vaults
	if o.Vault != "" {
		v, err := st.vault(o.Vault)
		if err != nil {
			return err
		}
		targets = []stateVault{v}
	}
	a, err := newAttacker(st, o.As)
	if err != nil {
		return err
	}
	defer a.close()
	if err := reachable(ctx, st.Emulator); err != nil {
		return fmt.Errorf("lab: the lab in %s does not answer (%v): it has stopped; start it again with `honeyvault lab`", cmp.Or(o.Dir, DefaultDir), err)
	}
	fmt.Fprintf(out, "lab attack: playing %q, %s:\n  %s from %s, with the Azure SDK for Go\n", a.id.Name, a.id.About, a.who(), a.id.IP)

	var done []access
	show := func(acc access) {
		done = append(done, acc)
		mark := ""
		switch {
		case acc.Decoy:
			mark = "   <- decoy"
		case acc.Operation == opDiagnosticSettingsDelete && acc.Err == nil:
			mark = "   <- covers the tracks"
		}
		what := fmt.Sprintf("%-10s %-40s", acc.Operation, acc.Name)
		if len(acc.Operation) > 10 {
			// Resource Manager's long action names: keep the name close.
			what = fmt.Sprintf("%-51s", acc.Operation+" "+acc.Name)
		}
		fmt.Fprintf(out, "  %-24s %s %s%s\n", acc.Vault.Name, what, acc.outcome(), mark)
	}

	fmt.Fprintln(out, "\n1. The original solution's own test: download the public key of a decoy key, read a decoy secret")
	orig := originalTest(targets, o.Vault != "")
	if len(orig) == 0 {
		fmt.Fprintln(out, "  no decoy to touch: the lab planted none in these vaults")
	}
	for _, t := range orig {
		show(a.touch(ctx, t))
	}

	fmt.Fprintln(out, "\n2. Look around: list a vault's secrets, then read every one")
	if v, ok := reconVault(targets, orig, o.Vault != ""); ok {
		names, acc := a.listSecrets(ctx, v)
		show(acc)
		for _, n := range names {
			show(a.getSecret(ctx, v, n))
		}
	} else {
		fmt.Fprintln(out, "  no vault left to look around in")
	}

	if o.Vault == "" {
		fmt.Fprintln(out, "\n3. Try a vault this identity has no permission on")
		if v, ok := deniedVault(targets); ok {
			_, acc := a.listSecrets(ctx, v)
			show(acc)
			if name, ok := v.decoy(registry.Secret); ok {
				// A name guessed from the naming the other vaults use:
				// honeyvault alerts on failed attempts at a decoy too.
				show(a.getSecret(ctx, v, name))
			}
		} else {
			fmt.Fprintln(out, "  every vault of this lab lets this identity in (start the lab with --vaults 2 or more)")
		}
	}

	fmt.Fprintln(out, "\n4. Cover tracks: delete a decoy vault's diagnostic setting, then read a decoy there")
	covered := ""
	var used []string
	for _, acc := range done {
		used = append(used, acc.Vault.Name)
	}
	if v, ok := coverVault(targets, orig, used); ok {
		m := a.coverTracks(ctx, v)
		for _, acc := range m.accesses() {
			show(acc)
		}
		if m.Deleted {
			covered = v.Name
		}
		describeCover(out, m, a.who(), slices.Contains(used, v.Name))
	} else {
		fmt.Fprintln(out, "  no vault with decoys to cover tracks in")
	}

	fmt.Fprintln(out, "\n5. Use stolen values outside Key Vault: read decoy secrets, then call the URL, look up the host, connect to the database, sign in as the app")
	uses := 0
	switch {
	case st.Canaries == nil:
		fmt.Fprintln(out, "  this lab runs no canary listeners")
	default:
		cts := canaryTargets(targets, o.Vault != "")
		if len(cts) == 0 {
			fmt.Fprintln(out, "  no decoy secret here carries a canary value")
		}
		for _, t := range cts {
			u := a.useCanary(ctx, st.Canaries, t)
			show(u.Read)
			showUse(out, u)
			uses++
		}
	}

	if o.Vault == "" {
		fmt.Fprintln(out, "\n6. Beyond Azure: read a decoy in HashiCorp Vault (KV v2, the official client) and in AWS Secrets Manager (aws-sdk-go-v2)")
		vt, at := storeTargets(st)
		if vt == nil && at == nil {
			fmt.Fprintln(out, "  no decoy in the lab's Vault server or AWS account")
		}
		if vt != nil {
			show(a.readVaultDecoy(ctx, st, *vt))
		}
		if at != nil {
			show(a.getSecretValue(ctx, st, *at))
		}
	}

	decoys := 0
	for _, acc := range done {
		if acc.Decoy {
			decoys++
		}
	}
	fmt.Fprintf(out, "\n%d requests, %d of them at a decoy, and %d uses of a decoy's value outside Key Vault. Each vault's audit log (Vault's audit device, the account's CloudTrail) reaches honeyvault within a second", len(done), decoys, uses)
	if covered != "" {
		fmt.Fprintf(out, " (%s's no longer: its setting is gone until the lab restarts)", covered)
	}
	fmt.Fprintf(out, ";\nsee the incidents with the `incidents list` command the lab printed (or GET %s/api/v1/incidents)\n", st.Server)
	return ctx.Err()
}

// describeCover says what honeyvault should show for the cover-tracks
// move. In a vault the attack touched before, the deletion's alert joins
// the incident already open there (incidents group per vault and caller).
func describeCover(out io.Writer, m coverMove, who string, touched bool) {
	switch {
	case m.Setting == "" && m.List.Err == nil:
		fmt.Fprintf(out, "  %s has no diagnostic setting left to delete (an earlier attack removed it; restart the lab to restore it)\n", m.Vault.Name)
		return
	case m.Setting == "" || !m.Deleted && m.Delete.Err == nil:
		return // the listing failed, or there was nothing to delete: said above
	case !m.Deleted:
		fmt.Fprintln(out, "  the deletion was refused; an attempt to cut the audit path alerts too:")
	}
	if touched {
		fmt.Fprintf(out, "  honeyvault should show an alert naming %s and %s\n", who, opDiagnosticSettingsDelete)
		fmt.Fprintf(out, "  in the incident open for them in %s (incidents group per vault and caller);\n", m.Vault.Name)
	} else {
		fmt.Fprintf(out, "  honeyvault should show an incident %q\n", tamperTitle)
		fmt.Fprintf(out, "  in %s naming %s and %s;\n", m.Vault.Name, who, opDiagnosticSettingsDelete)
	}
	if m.Deleted {
		fmt.Fprintln(out, "  the decoy read after it never reaches honeyvault (the vault's audit log no longer flows):")
		fmt.Fprintln(out, "  the tamper alert is what catches it.")
	}
}

// reachable dials addr once: a lab that was killed leaves its state file
// behind, and the attack should say so rather than fail request by request.
func reachable(ctx context.Context, addr string) error {
	d := net.Dialer{Timeout: 2 * time.Second}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return c.Close()
}

// target is one decoy access of the original's test.
type target struct {
	vault stateVault
	typ   registry.Type
	name  string
}

// touch makes the access the original's test makes for t's type.
func (a *attacker) touch(ctx context.Context, t target) access {
	if t.typ == registry.Key {
		return a.getKey(ctx, t.vault, t.name)
	}
	return a.getSecret(ctx, t.vault, t.name)
}

// originalTest picks the original's two accesses: a decoy key to download
// and a decoy secret to read, in vaults the outsiders may read, preferring
// two different vaults (two incidents: they are grouped per vault and
// caller). With anyVault, the vaults' permissions are not considered (the
// user named the vault).
func originalTest(vaults []stateVault, anyVault bool) []target {
	var out []target
	var keyVault string
	for _, v := range vaults {
		if name, ok := v.decoy(registry.Key); ok && (anyVault || !v.OutsidersDenied) {
			out = append(out, target{vault: v, typ: registry.Key, name: name})
			keyVault = v.Name
			break
		}
	}
	var fallback *target
	for _, v := range vaults {
		name, ok := v.decoy(registry.Secret)
		if !ok || (!anyVault && v.OutsidersDenied) {
			continue
		}
		t := target{vault: v, typ: registry.Secret, name: name}
		if v.Name != keyVault {
			return append(out, t)
		}
		if fallback == nil {
			fallback = &t
		}
	}
	if fallback != nil {
		out = append(out, *fallback)
	}
	return out
}

// reconVault is a vault to list and read whole: one the original's test did
// not touch, if there is one.
func reconVault(vaults []stateVault, touched []target, anyVault bool) (stateVault, bool) {
	var fallback *stateVault
	for i, v := range vaults {
		if !anyVault && v.OutsidersDenied {
			continue
		}
		used := false
		for _, t := range touched {
			used = used || t.vault.Name == v.Name
		}
		if !used {
			return v, true
		}
		if fallback == nil {
			fallback = &vaults[i]
		}
	}
	if fallback != nil {
		return *fallback, true
	}
	return stateVault{}, false
}

func deniedVault(vaults []stateVault) (stateVault, bool) {
	for _, v := range vaults {
		if v.OutsidersDenied {
			return v, true
		}
	}
	return stateVault{}, false
}

// showUse prints a use of a canary value under the read that took it.
func showUse(out io.Writer, u canaryUse) {
	switch {
	case u.Err != nil && u.Target == "":
		fmt.Fprintf(out, "  %-24s %-15s failed: %v\n", "", u.Kind.Operation(), u.Err)
	case u.Err != nil:
		fmt.Fprintf(out, "  %-24s %-15s %s   failed: %v\n", "", u.Kind.Operation(), u.Target, u.Err)
	default:
		fmt.Fprintf(out, "  %-24s %-15s %s   %s   <- a decoy's value used outside Key Vault\n", "", u.Kind.Operation(), u.Target, u.Answer)
	}
}
