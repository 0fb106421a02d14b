package org.cleverrunner.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SlotsTest {

    @Test
    void aLowerLimitKeepsHeldSlotsAndMakesNewOnesWaitUntilEnoughAreBack() throws Exception {
        Slots slots = new Slots(3);
        for (int i = 0; i < 3; i++) {
            assertThat(slots.tryAcquire(10, TimeUnit.MILLISECONDS)).isTrue();
        }
        slots.resize(1);
        assertThat(slots.held()).isEqualTo(3);
        assertThat(slots.tryAcquire(20, TimeUnit.MILLISECONDS)).as("3 held, limit 1").isFalse();
        slots.release();
        slots.release();
        assertThat(slots.tryAcquire(20, TimeUnit.MILLISECONDS)).as("1 held, limit 1").isFalse();
        slots.release();
        assertThat(slots.tryAcquire(20, TimeUnit.MILLISECONDS)).as("0 held, limit 1").isTrue();
    }

    @Test
    void aHigherLimitWakesAWaiter() throws Exception {
        Slots slots = new Slots(1);
        assertThat(slots.tryAcquire(10, TimeUnit.MILLISECONDS)).isTrue();
        boolean[] got = new boolean[1];
        Thread waiter = new Thread(() -> {
            try {
                got[0] = slots.tryAcquire(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        waiter.start();
        Thread.sleep(100);
        slots.resize(2);
        waiter.join(5000);
        assertThat(got[0]).isTrue();
        assertThat(slots.held()).isEqualTo(2);
    }

    @Test
    void zeroMeansNoLimit() throws Exception {
        Slots slots = new Slots(0);
        for (int i = 0; i < 100; i++) {
            assertThat(slots.tryAcquire(1, TimeUnit.MILLISECONDS)).isTrue();
        }
        slots.resize(2);
        assertThat(slots.tryAcquire(1, TimeUnit.MILLISECONDS)).isFalse();
    }
}
