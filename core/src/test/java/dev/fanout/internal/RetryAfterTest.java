package dev.fanout.internal;

import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;
import reactor.test.scheduler.VirtualTimeScheduler;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

class RetryAfterTest {

    static final Instant NOW_INSTANT = Instant.parse("2015-10-21T07:27:00Z");
    static final VirtualTimeScheduler CLOCK = VirtualTimeScheduler.create();
    /** A clock that reads NOW_INSTANT (the tests do not advance it). */
    static final Supplier<Scheduler> NOW = () -> CLOCK;

    static {
        CLOCK.advanceTimeTo(NOW_INSTANT);
    }

    @Test
    void deltaSeconds() {
        assertThat(RetryAfter.parse("120", NOW)).isEqualTo(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse(" 0 ", NOW)).isEqualTo(Duration.ZERO);
        assertThat(RetryAfter.parse("99999999999999999999999", NOW)).isGreaterThan(Duration.ofDays(10_000));
    }

    @Test
    void httpDate() {
        assertThat(RetryAfter.parse("Wed, 21 Oct 2015 07:28:00 GMT", NOW)).isEqualTo(Duration.ofSeconds(60));
        assertThat(RetryAfter.parse("Wed, 21 Oct 2015 07:00:00 GMT", NOW)).isEqualTo(Duration.ZERO);
    }

    @Test
    void unreadableOrMissingIsNull() {
        assertThat(RetryAfter.parse(null, NOW)).isNull();
        assertThat(RetryAfter.parse("", NOW)).isNull();
        assertThat(RetryAfter.parse("-5", NOW)).isNull();
        assertThat(RetryAfter.parse("soon", NOW)).isNull();
        assertThat(RetryAfter.parse("1.5", NOW)).isNull();
    }

    @Test
    void httpDateIsReadAgainstTheSchedulersWallClock() {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        clock.advanceTimeTo(NOW_INSTANT);
        assertThat(RetryAfter.parse("Wed, 21 Oct 2015 07:28:00 GMT", () -> clock)).isEqualTo(Duration.ofSeconds(60));
        clock.advanceTimeBy(Duration.ofSeconds(45));
        assertThat(RetryAfter.parse("Wed, 21 Oct 2015 07:28:00 GMT", () -> clock)).isEqualTo(Duration.ofSeconds(15));
        clock.dispose();
    }

    @Test
    void deltaSecondsAndMissingValuesNeverReadTheClock() {
        AtomicInteger reads = new AtomicInteger();
        Supplier<Scheduler> counting = () -> {
            reads.incrementAndGet();
            throw new AssertionError("the clock was read");
        };
        assertThat(RetryAfter.parse("120", counting)).isEqualTo(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse(null, counting)).isNull();
        assertThat(RetryAfter.parse("soon", counting)).isNull();
        assertThat(reads).hasValue(0);
    }
}
