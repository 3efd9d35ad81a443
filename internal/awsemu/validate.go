package awsemu

import "fmt"

// check refuses both values at once and values over the API's 65,536
// bytes.
func (v secretValue) check() *apiError {
	if v.SecretString != nil && v.SecretBinary != nil {
		return errInvalidParameter("You can't specify both a binary secret value and a string secret value in the same secret.")
	}
	if v.SecretString != nil && len(*v.SecretString) > 65536 || len(v.SecretBinary) > 65536 {
		return errValidation("***", "secretString", "Member must have length less than or equal to 65536")
	}
	return nil
}

// checkStages validates the staging labels a PutSecretValue asks for.
func checkStages(stages []string) *apiError {
	if len(stages) > 20 {
		return errValidation(fmt.Sprint(len(stages)), "versionStages", "Member must have length less than or equal to 20")
	}
	for i, st := range stages {
		if st == "" || len(st) > 256 {
			return errValidation(st, fmt.Sprintf("versionStages.%d.member", i+1), "Member must have length between 1 and 256")
		}
	}
	return nil
}

// checkMeta validates a description and a KMS key id.
func checkMeta(description, kmsKeyID *string) *apiError {
	if description != nil && len(*description) > 2048 {
		return errValidation("...", "description", "Member must have length less than or equal to 2048")
	}
	if kmsKeyID != nil && len(*kmsKeyID) > 2048 {
		return errValidation("...", "kmsKeyId", "Member must have length less than or equal to 2048")
	}
	return nil
}

// checkToken validates a ClientRequestToken (the SDK fills one in when
// the caller gives none).
func checkToken(tok string) *apiError {
	if tok != "" && (len(tok) < 32 || len(tok) > 64) {
		return errValidation(tok, "clientRequestToken", "Member must have length greater than or equal to 32 and less than or equal to 64")
	}
	return nil
}

func firstError(errs ...*apiError) *apiError {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
