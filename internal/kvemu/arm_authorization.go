package kvemu

import (
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// Azure RBAC is served as Microsoft.Authorization extension resources at
// any scope (a subscription, resource group, vault, or an object under a
// vault), api-version 2022-04-01 (any is accepted):
//
//	GET    {scope}/providers/Microsoft.Authorization/permissions                 the caller's actions and dataActions there
//	GET    {scope}/providers/Microsoft.Authorization/roleAssignments             assignments applying at or below scope ($filter=principalId eq '...')
//	GET    {scope}/providers/Microsoft.Authorization/roleAssignments/{guid}
//	PUT    {scope}/providers/Microsoft.Authorization/roleAssignments/{guid}      body {"properties":{"roleDefinitionId","principalId"}}
//	DELETE {scope}/providers/Microsoft.Authorization/roleAssignments/{guid}
//
// Only the built-in Key Vault data-plane roles are known. Writes and
// deletes are logged as MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE and
// .../DELETE in the Activity log.

type armRoleAssignmentJSON struct {
	ID         string                     `json:"id"`
	Name       string                     `json:"name"`
	Type       string                     `json:"type"`
	Properties armRoleAssignmentPropsJSON `json:"properties"`
}

type armRoleAssignmentPropsJSON struct {
	RoleDefinitionID string `json:"roleDefinitionId"`
	PrincipalID      string `json:"principalId"`
	PrincipalType    string `json:"principalType,omitempty"`
	Scope            string `json:"scope"`
}

type armPermissionJSON struct {
	Actions        []string `json:"actions"`
	NotActions     []string `json:"notActions"`
	DataActions    []string `json:"dataActions"`
	NotDataActions []string `json:"notDataActions"`
}

var principalFilterRE = regexp.MustCompile(`(?i)principalId\s+eq\s+'([^']+)'`)

func roleAssignmentJSON(ra RoleAssignment) armRoleAssignmentJSON {
	sub := ""
	if parts := strings.Split(ra.Scope, "/"); len(parts) > 2 {
		sub = parts[2]
	}
	return armRoleAssignmentJSON{
		ID: strings.TrimSuffix(ra.Scope, "/") + "/providers/Microsoft.Authorization/roleAssignments/" + ra.Name, Name: ra.Name,
		Type: "Microsoft.Authorization/roleAssignments",
		Properties: armRoleAssignmentPropsJSON{
			RoleDefinitionID: "/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions/" + roleDefinitionIDs[strings.ToLower(ra.Role)],
			PrincipalID:      ra.PrincipalID, Scope: ra.Scope,
		},
	}
}

// authorization serves roleAssignments and permissions at scope.
func (a *armRequest) authorization(scope, rest []string) (int, any, *apiError) {
	if len(scope) < 2 || len(rest) == 0 || len(rest) > 2 {
		return 0, nil, &apiError{status: http.StatusNotFound, code: "NotFound", message: "No ARM route for " + a.r.URL.Path}
	}
	sub, aerr := a.subscription(scope[1])
	if aerr != nil {
		return 0, nil, aerr
	}
	scopeID := "/" + strings.Join(scope, "/")
	switch {
	case strings.EqualFold(rest[0], "permissions") && len(rest) == 1:
		if a.r.Method != http.MethodGet {
			return 0, nil, errMethod(a.r.Method)
		}
		out := armValueList[armPermissionJSON]{Value: []armPermissionJSON{}}
		for _, ra := range a.e.RoleAssignments() {
			if strings.EqualFold(ra.PrincipalID, a.claims.OID) && scopeCovers(ra.Scope, scopeID) {
				out.Value = append(out.Value, armPermissionJSON{Actions: []string{}, NotActions: []string{}, NotDataActions: []string{},
					DataActions: slices.Clone(builtinRoles[strings.ToLower(ra.Role)])})
			}
		}
		return http.StatusOK, out, nil
	case !strings.EqualFold(rest[0], "roleAssignments"):
		return 0, nil, &apiError{status: http.StatusNotFound, code: "NotFound", message: "No ARM route for " + a.r.URL.Path}
	case len(rest) == 1:
		if a.r.Method != http.MethodGet {
			return 0, nil, errMethod(a.r.Method)
		}
		principal := ""
		if m := principalFilterRE.FindStringSubmatch(a.r.URL.Query().Get("$filter")); m != nil {
			principal = m[1]
		}
		out := armValueList[armRoleAssignmentJSON]{Value: []armRoleAssignmentJSON{}}
		for _, ra := range a.e.RoleAssignments() {
			if principal != "" && !strings.EqualFold(ra.PrincipalID, principal) {
				continue
			}
			if scopeCovers(ra.Scope, scopeID) || scopeCovers(scopeID, ra.Scope) {
				out.Value = append(out.Value, roleAssignmentJSON(ra))
			}
		}
		return http.StatusOK, out, nil
	}
	name := rest[1]
	find := func() (RoleAssignment, bool) {
		for _, ra := range a.e.RoleAssignments() {
			if strings.EqualFold(ra.Name, name) && strings.EqualFold(strings.TrimSuffix(ra.Scope, "/"), scopeID) {
				return ra, true
			}
		}
		return RoleAssignment{}, false
	}
	switch a.r.Method {
	case http.MethodGet:
		ra, ok := find()
		if !ok {
			return 0, nil, armNotFound("RoleAssignment", name)
		}
		return http.StatusOK, roleAssignmentJSON(ra), nil
	case http.MethodPut:
		if _, err := uuid.Parse(name); err != nil {
			return 0, nil, &apiError{status: http.StatusBadRequest, code: "InvalidRoleAssignmentId", message: "The role assignment name must be a GUID."}
		}
		var body struct {
			Properties armRoleAssignmentPropsJSON `json:"properties"`
		}
		if aerr := decodeARM(a.body, &body); aerr != nil {
			return 0, nil, aerr
		}
		defID := body.Properties.RoleDefinitionID[strings.LastIndexByte(body.Properties.RoleDefinitionID, '/')+1:]
		role, ok := roleByDefinitionID(defID)
		if !ok || body.Properties.PrincipalID == "" {
			return 0, nil, &apiError{status: http.StatusBadRequest, code: "RoleDefinitionDoesNotExist", message: "The emulator knows only the built-in Key Vault data-plane roles, and a principal id is required."}
		}
		if _, exists := find(); exists {
			return 0, nil, &apiError{status: http.StatusConflict, code: "RoleAssignmentExists", message: "The role assignment already exists."}
		}
		ra := RoleAssignment{Name: name, PrincipalID: body.Properties.PrincipalID, Role: role, Scope: scopeID}
		if err := a.e.AssignRole(ra); err != nil {
			return 0, nil, &apiError{status: http.StatusBadRequest, code: "BadRequest", message: err.Error()}
		}
		out := roleAssignmentJSON(ra)
		a.activity(sub, out.ID, "Microsoft.Authorization/roleAssignments/write", http.StatusCreated)
		return http.StatusCreated, out, nil
	case http.MethodDelete:
		ra, ok := find()
		if !ok {
			return http.StatusNoContent, nil, nil
		}
		a.e.mu.Lock()
		a.e.roles = slices.DeleteFunc(a.e.roles, func(x RoleAssignment) bool { return strings.EqualFold(x.Name, ra.Name) })
		a.e.mu.Unlock()
		out := roleAssignmentJSON(ra)
		a.activity(sub, out.ID, "Microsoft.Authorization/roleAssignments/delete", http.StatusOK)
		return http.StatusOK, out, nil
	}
	return 0, nil, errMethod(a.r.Method)
}
