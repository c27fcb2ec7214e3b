package restgate.atlassian;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Nonces of the assertions accepted on this node, each kept until its assertion could no longer pass the time check,
 * so an assertion is accepted once. On a Data Center cluster each node keeps its own: a copy replayed against
 * another node within the window is stopped by the request binding (same method, path and query only), not by this.
 * Bounded: when full of live entries it refuses (fail closed) rather than forget one that could then be replayed.
 */
final class NonceCache {
    enum Use {
        FIRST, REPLAY, FULL
    }

    static final long SWEEP_INTERVAL_MS = 1000;

    private final ConcurrentHashMap<String, Long> seen = new ConcurrentHashMap<>();
    private final int capacity;
    private final AtomicLong nextSweep = new AtomicLong(Long.MIN_VALUE);

    NonceCache(int capacity) {
        this.capacity = capacity;
    }

    /** Records the nonce until {@code expiresAt}; FIRST when it was not seen before. */
    Use use(String nonce, long expiresAt, long now) {
        long due = nextSweep.get();
        if (now >= due && nextSweep.compareAndSet(due, now + SWEEP_INTERVAL_MS)) sweep(now);
        if (seen.size() >= capacity) {
            sweep(now);
            if (seen.size() >= capacity) return Use.FULL;
        }
        return seen.putIfAbsent(nonce, expiresAt) == null ? Use.FIRST : Use.REPLAY;
    }

    private void sweep(long now) {
        seen.values().removeIf(expiresAt -> expiresAt < now);
    }

    int size() {
        return seen.size();
    }
}
