package auth

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSessions(t *testing.T) {
	for _, dialect := range []string{"sqlite", "pg"} {
		t.Run(dialect, func(t *testing.T) {
			st := openStore(t, dialect == "pg")
			ctx := context.Background()
			if err := Migrate(ctx, st.DB()); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
			clock := func() time.Time { return now }
			s := NewSessions(st.DB(), clock, 8*time.Hour, time.Hour)
			id := Identity{UserRef: "user:default/jdoe", OwnershipRefs: []string{"user:default/jdoe", "group:default/team-a"}, Name: "Jane"}

			sid, err := s.Create(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			sid2, err := s.Create(ctx, id)
			if err != nil || sid2 == sid {
				t.Fatalf("second session id %q (err %v) must differ from %q", sid2, err, sid)
			}
			got, err := s.Get(ctx, sid)
			if err != nil || got.UserRef != id.UserRef || len(got.OwnershipRefs) != 2 {
				t.Fatalf("Get = %+v, %v", got, err)
			}

			// Used every 50 minutes, the session outlives the idle timeout...
			for range 5 {
				now = now.Add(50 * time.Minute)
				if _, err := s.Get(ctx, sid); err != nil {
					t.Fatalf("active session ended at %v: %v", now, err)
				}
			}
			// ...while the unused one is idle after an hour.
			if _, err := s.Get(ctx, sid2); !errors.Is(err, errNoSession) {
				t.Errorf("idle session: err = %v, want errNoSession", err)
			}
			// The absolute timeout ends even an active session.
			for now.Before(time.Date(2026, 1, 1, 18, 0, 0, 0, time.UTC)) {
				now = now.Add(30 * time.Minute)
				_, err = s.Get(ctx, sid)
			}
			if !errors.Is(err, errNoSession) {
				t.Errorf("after 8h: err = %v, want errNoSession", err)
			}

			sid3, _ := s.Create(ctx, id)
			if err := s.Delete(ctx, sid3); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Get(ctx, sid3); !errors.Is(err, errNoSession) {
				t.Errorf("deleted session: err = %v", err)
			}
			if _, err := s.Get(ctx, "made-up"); !errors.Is(err, errNoSession) {
				t.Errorf("unknown session: err = %v", err)
			}
		})
	}
}
