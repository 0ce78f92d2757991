package catalog

import "context"

// Processor is one step of ingest. Processors run in registration order
// after the built-in steps (placeholder substitution, validation) and before
// relations are stored. A processor may change the entity, emit relations
// and report problems; an error or a problem marks only that entity, which
// then keeps its last good version.
type Processor interface {
	// Name identifies the processor in problems and logs.
	Name() string
	Process(ctx context.Context, pc *ProcessContext) error
}

// ProcessContext is the state of one entity passing through ingest.
type ProcessContext struct {
	Entity    *Entity
	Source    Source
	Provider  string
	relations []RelationRow
	problems  []Problem
}

// RelationRow is one stored relation edge. Both directions are stored: the
// emitter adds the reverse edge itself.
type RelationRow struct {
	Source string // ref key of the source entity
	Type   string
	Target string // ref key of the target entity
}

// AddRelation records a relation from the entity to target, and the reverse
// edge of type reverseType from target back to the entity.
func (pc *ProcessContext) AddRelation(typ string, target Ref, reverseType string) {
	src := pc.Entity.Ref().Key()
	pc.relations = append(pc.relations, RelationRow{Source: src, Type: typ, Target: target.Key()})
	if reverseType != "" {
		pc.relations = append(pc.relations, RelationRow{Source: target.Key(), Type: reverseType, Target: src})
	}
}

// AddProblem records a problem with a field of the entity; the entity is then
// invalid and keeps its last good version.
func (pc *ProcessContext) AddProblem(field, message string) {
	pc.problems = append(pc.problems, Problem{
		File:     pc.Source.Location,
		Document: pc.Source.Document,
		Entity:   pc.Entity.Ref().String(),
		Field:    field,
		Message:  message,
	})
}

// Relations returns the relations emitted so far.
func (pc *ProcessContext) Relations() []RelationRow { return pc.relations }

// Problems returns the problems reported so far.
func (pc *ProcessContext) Problems() []Problem { return pc.problems }

// ProcessorFunc adapts a function to Processor.
type ProcessorFunc struct {
	ID string
	Fn func(ctx context.Context, pc *ProcessContext) error
}

func (f ProcessorFunc) Name() string { return f.ID }

func (f ProcessorFunc) Process(ctx context.Context, pc *ProcessContext) error { return f.Fn(ctx, pc) }
