package plantbench

import "github.com/honeyvault/honeyvault/internal/config"

// defaultPlant plants one secret, one key and one certificate per vault,
// with the production defaults otherwise.
func defaultPlant() config.Plant {
	p := config.DefaultPlant()
	p.Types = []string{"secret", "key", "certificate"}
	return p
}
