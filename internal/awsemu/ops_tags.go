package awsemu

import "fmt"

func (c *call) tagResource() (any, *apiError) {
	var in struct {
		SecretId *string
		Tags     []Tag
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return c.onSecret("TagResource", in.SecretId, false, func(sec *secret) (any, *apiError) {
		if in.Tags == nil {
			return nil, errValidation("null", "tags", "Member must not be null")
		}
		tags := mergeTags(sec.tags, in.Tags)
		if err := checkTags(tags); err != nil {
			return nil, err
		}
		sec.tags, sec.changed = tags, c.now
		return nil, nil
	})
}

func (c *call) untagResource() (any, *apiError) {
	var in struct {
		SecretId *string
		TagKeys  []string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return c.onSecret("UntagResource", in.SecretId, false, func(sec *secret) (any, *apiError) {
		if in.TagKeys == nil {
			return nil, errValidation("null", "tagKeys", "Member must not be null")
		}
		kept := sec.tags[:0:0]
		for _, t := range sec.tags {
			drop := false
			for _, k := range in.TagKeys {
				drop = drop || t.Key == k
			}
			if !drop {
				kept = append(kept, t)
			}
		}
		sec.tags, sec.changed = kept, c.now
		return nil, nil
	})
}

func checkTags(tags []Tag) *apiError {
	if len(tags) > 50 {
		return errValidation(fmt.Sprint(len(tags)), "tags", "Member must have length less than or equal to 50")
	}
	for _, t := range tags {
		if len(t.Key) == 0 || len(t.Key) > 128 || len(t.Value) > 256 {
			return errInvalidParameter("A tag key must be 1 to 128 characters and a tag value at most 256.")
		}
	}
	return nil
}

// mergeTags sets each new tag on old, replacing a tag of the same key
// (keys are case-sensitive).
func mergeTags(old, add []Tag) []Tag {
	out := append([]Tag(nil), old...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if out[i].Key == t.Key {
				out[i].Value, replaced = t.Value, true
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	return out
}
