package plugin

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/pkg/upstream"
)

// Queries that together would pass the budget queue: the oldest always
// proceeds (so none waits on another in a circle), a later one waits
// until memory is given back, and one whose deadline comes first fails
// with a message saying why and what to do.
func TestInflightBudgetQueues(t *testing.T) {
	b := newBudget(100)
	ctx := context.Background()
	first := b.enter(upstream.Prometheus)
	second := b.enter(upstream.Prometheus)
	require.NoError(t, first.Grow(ctx, 60))
	require.NoError(t, second.Grow(ctx, 30))

	// The oldest may pass the budget: it is never kept waiting.
	require.NoError(t, first.Grow(ctx, 50))
	used, n := b.inUse()
	assert.EqualValues(t, 140, used)
	assert.Equal(t, 2, n)

	// The second waits until the first is done.
	granted := make(chan error, 1)
	go func() { granted <- second.Grow(ctx, 40) }()
	select {
	case err := <-granted:
		t.Fatalf("granted while the budget was spent: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	first.release()
	require.NoError(t, <-granted)
	used, n = b.inUse()
	assert.EqualValues(t, 70, used)
	assert.Equal(t, 1, n)

	// A third that cannot get its share before its deadline fails
	// clearly, as a busy (503) upstream error.
	third := b.enter(upstream.Prometheus)
	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	err := third.Grow(short, 50)
	ue, ok := upstream.AsError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, upstream.Busy, ue.Kind)
	assert.Equal(t, 503, ue.Status())
	assert.Contains(t, err.Error(), "memory for queries in flight (100 B")
	assert.Contains(t, err.Error(), "taken by 1 other queries")
	assert.Contains(t, err.Error(), "MEMSHAPE_INFLIGHT_BYTES")

	// Everything given back, releasing twice is harmless.
	second.release()
	second.release()
	third.release()
	used, n = b.inUse()
	assert.Zero(t, used)
	assert.Zero(t, n)
}

// Many queries growing at once never hold more than the budget plus the
// oldest one's share, and all finish.
func TestInflightBudgetUnderLoad(t *testing.T) {
	b := newBudget(1000)
	var wg sync.WaitGroup
	var mu sync.Mutex
	peak := int64(0)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk := b.enter(upstream.Prometheus)
			defer tk.release()
			for i := 0; i < 10; i++ {
				if err := tk.Grow(context.Background(), 40); err != nil {
					t.Error(err)
					return
				}
				used, _ := b.inUse()
				mu.Lock()
				peak = max(peak, used)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	used, n := b.inUse()
	assert.Zero(t, used)
	assert.Zero(t, n)
	assert.LessOrEqual(t, peak, int64(1000+400), "the budget plus one query's share at most")
}
