package org.cleverrunner.core;

import java.util.concurrent.TimeUnit;

/**
 * A count of slots held against a limit that a config reload may change while slots are held: {@code concurrent}
 * for the whole engine, a runner's {@code limit}. A {@link java.util.concurrent.Semaphore} cannot shrink below the
 * permits already taken; here a lower limit only makes new acquisitions wait until enough slots are given back.
 * A limit of 0 means none.
 */
final class Slots {

    private int limit;
    private int held;

    Slots(int limit) {
        this.limit = Math.max(0, limit);
    }

    /** Takes a slot, waiting up to the timeout for one; false when none came free. */
    synchronized boolean tryAcquire(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (limit > 0 && held >= limit) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        held++;
        return true;
    }

    synchronized void release() {
        if (held > 0) {
            held--;
        }
        notifyAll();
    }

    /** A new limit: slots held above it stay held, new ones wait until the count is under it. */
    synchronized void resize(int newLimit) {
        limit = Math.max(0, newLimit);
        notifyAll();
    }

    synchronized int held() {
        return held;
    }

    synchronized int limit() {
        return limit;
    }
}
