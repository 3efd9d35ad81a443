package vault

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/honeyvault/honeyvault/internal/fanout"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/secretstore"
)

// Inventory lists every secret of the mount with its metadata. Where the
// server offers OpenBao's LIST {mount}/detailed-metadata/ (and the token
// may use it), that list alone gives every secret's metadata, decoys'
// included, with no call naming a secret. Elsewhere (Vault) it lists
// {mount}/metadata/ and reads the metadata of each real secret; listOnly
// names the paths whose metadata must not be read (honeyvault's decoys):
// they are returned by name only.
func (p *Provider) Inventory(ctx context.Context, storeID string, listOnly func(name string) bool) ([]secretstore.Secret, error) {
	mount, err := p.mountOf(storeID)
	if err != nil {
		return nil, err
	}
	if out, ok, err := p.detailedInventory(ctx, mount); ok || err != nil {
		return out, err
	}
	paths, _, err := p.walk(ctx, mount, "metadata")
	if err != nil {
		return nil, err
	}
	out := make([]secretstore.Secret, len(paths))
	errs := make([]error, len(paths))
	// Metadata reads are one request per secret: a few at a time keeps a
	// large mount's inventory short without pressing on the server.
	fanout.Each(ctx, len(paths), describeConcurrency, func(i int) {
		out[i] = secretstore.Secret{Name: paths[i]}
		if listOnly == nil || !listOnly(paths[i]) {
			errs[i] = p.describe(ctx, mount, &out[i])
		}
	}, func(i int) { errs[i] = ctx.Err() })
	for _, err := range errs {
		if err != nil {
			return nil, err // the first: the others are likely the same
		}
	}
	return out, nil
}

// detailedInventory is the inventory by OpenBao's detailed-metadata list;
// ok is false where the server or the token does not offer it. Vault
// answers an unknown path with a 404 that its client reads as an empty
// directory, so only a top directory listed with key_info counts as offered
// (an empty mount is then listed again the classic way, which costs one list).
func (p *Provider) detailedInventory(ctx context.Context, mount string) (out []secretstore.Secret, ok bool, err error) {
	keys, info, err := p.list(ctx, mount, "detailed-metadata", "")
	if err != nil || len(keys) == 0 || info == nil {
		return nil, false, nil
	}
	paths, infos, err := p.walk(ctx, mount, "detailed-metadata")
	if err != nil {
		return nil, true, err
	}
	out = make([]secretstore.Secret, len(paths))
	for i, path := range paths {
		out[i] = secretOf(path, infos[path])
	}
	return out, true, nil
}

// describeConcurrency is how many metadata reads one inventory has in
// flight.
const describeConcurrency = 4

// describe fills a secret's metadata from its metadata endpoint (custom
// metadata, times, current version, whether that version is deleted).
func (p *Provider) describe(ctx context.Context, mount string, s *secretstore.Secret) error {
	md, err := p.client.KVv2(mount).GetMetadata(ctx, s.Name)
	if err != nil {
		if w := wrap("reading a secret's metadata", err); isNotFound(w) {
			return nil // destroyed since the list: an empty description
		} else if isForbidden(w) {
			// A policy may allow the list but not the metadata: the name
			// is what planting needs most.
			return nil
		} else {
			return w
		}
	}
	if len(md.CustomMetadata) > 0 {
		s.Tags = make(map[string]string, len(md.CustomMetadata))
		for k, v := range md.CustomMetadata {
			s.Tags[k] = fmt.Sprint(v)
		}
	}
	s.Created, s.Updated = md.CreatedTime, md.UpdatedTime
	if md.CurrentVersion > 0 {
		s.Version = strconv.Itoa(md.CurrentVersion)
		if v, ok := md.Versions[s.Version]; ok && (v.Destroyed || !v.DeletionTime.IsZero()) {
			s.Deleted = true
		}
	}
	return nil
}

// walk lists the mount's secret paths under kind ("metadata", or
// "detailed-metadata" with each secret's metadata by path), breadth first
// and sorted, up to maxSecrets of them and maxDepth directories deep.
func (p *Provider) walk(ctx context.Context, mount, kind string) ([]string, map[string]map[string]any, error) {
	var out []string
	infos := map[string]map[string]any{}
	dirs := []string{""}
	for depth := 0; len(dirs) > 0; depth++ {
		var next []string
		for _, dir := range dirs {
			keys, info, err := p.list(ctx, mount, kind, dir)
			if err != nil {
				return nil, nil, err
			}
			for _, k := range keys {
				switch {
				case strings.HasSuffix(k, "/"):
					if depth+1 < maxDepth {
						next = append(next, dir+k)
					}
				case registry.HashiCorpVault.ValidName(dir + k):
					if len(out) == p.maxSecrets {
						return nil, nil, fmt.Errorf("vault: mount %s holds more than %d secrets (raise the inventory bound)", mount, p.maxSecrets)
					}
					out = append(out, dir+k)
					if m, ok := info[k].(map[string]any); ok {
						infos[dir+k] = m
					}
				}
			}
		}
		dirs = next
	}
	sort.Strings(out)
	return out, infos, nil
}

// list is one directory's keys ("name", "sub/") under kind, every page of
// them, and (detailed-metadata) their key_info. OpenBao pages with after
// and limit; Vault ignores both and answers with every key, which a page
// that starts over shows.
func (p *Provider) list(ctx context.Context, mount, kind, dir string) ([]string, map[string]any, error) {
	var all []string
	var info map[string]any
	after := ""
	for {
		q := url.Values{"list": {"true"}, "limit": {strconv.Itoa(pageSize)}}
		if after != "" {
			q.Set("after", after)
		}
		s, err := p.client.Logical().ReadWithDataWithContext(ctx, mount+"/"+kind+"/"+dir, q)
		if err != nil {
			return nil, nil, wrap("listing secrets", err)
		}
		if s == nil || s.Data == nil {
			return all, info, nil // 404: an empty directory
		}
		raw, _ := s.Data["keys"].([]any)
		keys := make([]string, 0, len(raw))
		for _, k := range raw {
			if ks, ok := k.(string); ok {
				keys = append(keys, ks)
			}
		}
		if after != "" && len(keys) > 0 && keys[0] <= after {
			return all, info, nil // the server ignored after: the first page had it all
		}
		all = append(all, keys...)
		if ki, ok := s.Data["key_info"].(map[string]any); ok {
			if info == nil {
				info = map[string]any{}
			}
			for k, v := range ki {
				info[k] = v
			}
		}
		if len(keys) != pageSize {
			return all, info, nil
		}
		after = keys[len(keys)-1]
	}
}

// Exists lists the secret's directory: a list names no secret, so it
// raises no alert where a read would.
func (p *Provider) Exists(ctx context.Context, storeID, name string) (bool, error) {
	mount, err := p.mountOf(storeID)
	if err != nil {
		return false, err
	}
	i := strings.LastIndexByte(name, '/')
	keys, _, err := p.list(ctx, mount, "metadata", name[:i+1])
	if err != nil {
		return false, err
	}
	for _, k := range keys {
		if k == name[i+1:] {
			return true, nil
		}
	}
	return false, nil
}
