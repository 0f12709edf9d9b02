package dev.fanout.internal;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class RetryAfterTest {

    static final Instant NOW = Instant.parse("2015-10-21T07:27:00Z");

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
}
