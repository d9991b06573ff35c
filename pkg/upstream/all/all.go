// Package all registers every upstream Memory Shape ships: a program
// that serves or runs data source queries imports it for its side
// effect. A new upstream is a package under pkg/upstream that calls
// upstream.Register in its init, and one import line here.
package all

import (
	_ "github.com/memshape/memory-datasource/pkg/upstream/datadog"    // registers "datadog"
	_ "github.com/memshape/memory-datasource/pkg/upstream/prometheus" // registers "prometheus"
)
