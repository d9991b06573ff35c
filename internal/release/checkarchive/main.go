// Command checkarchive checks a plugin zip as Grafana's plugin validator
// would, offline (see package release), and exits 1 on any problem.
//
//	go run ./internal/release/checkarchive [--source DIR] PLUGIN.zip
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/memshape/memory-datasource/internal/release"
)

func main() {
	source := flag.String("source", ".", "the repository the archive was built from, for the Go build manifest (\"\" to skip)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: checkarchive [--source DIR] PLUGIN.zip")
		os.Exit(2)
	}
	a, zr, err := release.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintf(os.Stderr, "checkarchive: %v\n", err)
		os.Exit(1)
	}
	defer zr.Close()
	problems := release.Check(a, *source)
	for _, p := range problems {
		fmt.Println("  " + p)
	}
	fmt.Printf("checkarchive: %s: %d files in %s/, %d problems\n", flag.Arg(0), len(a.Files), a.Root, len(problems))
	if len(problems) > 0 {
		zr.Close()
		os.Exit(1)
	}
}
