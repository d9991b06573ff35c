// Command gpx_memshape is the Memory Shape backend plugin that Grafana
// starts.
package main

import (
	"os"

	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/memshape/memory-datasource/pkg/plugin"
	_ "github.com/memshape/memory-datasource/pkg/upstream/all" // the upstreams the data source offers
)

// version is set at build time: -ldflags "-X main.version=…".
var version = "dev"

func main() {
	log.DefaultLogger.Debug("starting Memory Shape backend", "version", version)
	if err := datasource.Manage("memshape-memory-datasource", plugin.NewDatasource, datasource.ManageOpts{}); err != nil {
		log.DefaultLogger.Error(err.Error())
		os.Exit(1)
	}
}
