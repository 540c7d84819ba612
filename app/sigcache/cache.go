package sigcache

import (
	"sync"
	"sync/atomic"
)

// Key names one transaction's signature inputs; see Decorator.
type Key [32]byte

// Cache remembers the Keys whose signatures verified, up to a bound. The
// oldest key is forgotten first: a transaction that waits in the mempool
// longer than size others only costs its check again. Safe for concurrent
// use (CheckTx and FinalizeBlock may run at once).
type Cache struct {
	mu    sync.Mutex
	keys  map[Key]struct{}
	order []Key // ring of at most size keys, oldest at next
	next  int

	hits, misses atomic.Uint64
}

// New returns a cache of at most size keys.
func New(size int) *Cache {
	if size < 1 {
		size = 1
	}
	return &Cache{keys: make(map[Key]struct{}, size), order: make([]Key, 0, size)}
}

func (c *Cache) add(k Key) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.keys[k]; ok {
		return
	}
	if len(c.order) < cap(c.order) {
		c.order = append(c.order, k)
	} else {
		delete(c.keys, c.order[c.next])
		c.order[c.next] = k
		c.next = (c.next + 1) % len(c.order)
	}
	c.keys[k] = struct{}{}
}

// seen reports whether k is remembered, and counts a hit or a miss. A hit
// is kept until the ring overwrites it: the same transaction cannot be
// delivered twice (its sequence moves on), so it simply ages out.
func (c *Cache) seen(k Key) bool {
	c.mu.Lock()
	_, ok := c.keys[k]
	c.mu.Unlock()
	if ok {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
	return ok
}

// Hits counts the block transactions whose signature checks were skipped.
func (c *Cache) Hits() uint64 { return c.hits.Load() }

// Misses counts the block transactions whose signatures were checked.
func (c *Cache) Misses() uint64 { return c.misses.Load() }

// Len is the number of keys remembered.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.keys)
}
