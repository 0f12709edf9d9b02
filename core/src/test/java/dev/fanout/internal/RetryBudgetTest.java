package dev.fanout.internal;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class RetryBudgetTest {

    final AtomicLong nanos = new AtomicLong();

    private static int drain(RetryBudget budget) {
        int n = 0;
        while (budget.tryRetry()) {
            n++;
        }
        return n;
    }

    @Test
    void retriesAddAtMostTheRatioPlusTheBankedFloor() {
        RetryBudget budget = new RetryBudget(0.2, 10, nanos::get);
        for (int i = 0; i < 1000; i++) {
            budget.onFirstAttempt();
        }
        assertThat(drain(budget)).isEqualTo(10 + 200);
    }

    @Test
    void theFloorRefillsWithTimeButIsNotBankedBeyondOneSecond() {
        RetryBudget budget = new RetryBudget(0.2, 10, nanos::get);
        assertThat(drain(budget)).isEqualTo(10);
        nanos.addAndGet(300_000_000L);
        assertThat(drain(budget)).isEqualTo(3);
        nanos.addAndGet(60_000_000_000L); // a quiet minute banks only one second's worth
        assertThat(drain(budget)).isEqualTo(10);
    }

    @Test
    void depositsAreCapped() {
        RetryBudget budget = new RetryBudget(1.0, 0, nanos::get);
        for (int i = 0; i < 5000; i++) {
            budget.onFirstAttempt();
        }
        assertThat(drain(budget)).isEqualTo(1000);
    }
}
