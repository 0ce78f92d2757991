package catalog

// Catalog is the ingest pipeline in front of a Store: it processes each
// mutation (placeholders, validation, processors, relations) and writes it
// in one transaction. Its methods are implemented in ingest.go.
type Catalog struct {
	store      Store
	processors []Processor
}

// Store returns the read side.
func (c *Catalog) Store() Store { return c.store }
