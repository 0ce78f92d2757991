package catalog

import (
	"context"
	"sync"
)

// recordingStore is a Store that keeps the last mutation it was given; the
// ingest tests assert on what the engine hands the store. Reads are not
// needed here (the store package tests them against real databases).
type recordingStore struct {
	Store
	mu        sync.Mutex
	mutations []StoreMutation
}

func (s *recordingStore) Apply(_ context.Context, m StoreMutation) (ApplyResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mutations = append(s.mutations, m)
	var res ApplyResult
	for _, pe := range m.Entities {
		if len(pe.Problems) == 0 {
			res.Added++
		}
	}
	return res, nil
}

func (s *recordingStore) last() StoreMutation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mutations[len(s.mutations)-1]
}
