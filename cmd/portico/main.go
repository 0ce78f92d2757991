// Command portico runs the Portico API developer portal.
package main

import (
	"fmt"
	"os"
)

var version = "dev"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "version" {
		fmt.Println("portico", version)
		return
	}
	fmt.Fprintln(os.Stderr, "portico: serve is not wired yet")
	os.Exit(2)
}
