package plugin

// The plugin's tests run with every upstream Memory Shape ships, as the
// plugin binary does (pkg/main.go).
import _ "github.com/memshape/memory-datasource/pkg/upstream/all"
