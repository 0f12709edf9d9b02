package dev.fanout.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import reactor.core.scheduler.Scheduler;

/**
 * Parses a {@code Retry-After} value in both forms of RFC 9110 section 10.2.3: delta-seconds
 * ({@code 120}) and an HTTP-date ({@code Wed, 21 Oct 2015 07:28:00 GMT}). Pure but for the clock an
 * HTTP-date is read against.
 */
public final class RetryAfter {

    private RetryAfter() {
    }

    /**
     * The wait the value asks for, measured from {@code clock}'s wall time, which is read only for an
     * HTTP-date (a missing value or delta-seconds, the common cases, need no clock); zero for a date in
     * the past; null when the value is missing or unreadable.
     */
    public static Duration parse(String value, Supplier<Scheduler> clock) {
        if (value == null) {
            return null;
        }
        String v = value.trim();
        if (v.isEmpty()) {
            return null;
        }
        if (v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            try {
                return Duration.ofSeconds(Long.parseLong(v));
            } catch (NumberFormatException tooLong) {
                return Duration.ofSeconds(Long.MAX_VALUE / 1_000_000_000L); // absurdly long: over any cap
            }
        }
        try {
            Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration d = Duration.between(Instant.ofEpochMilli(clock.get().now(TimeUnit.MILLISECONDS)), at);
            return d.isNegative() ? Duration.ZERO : d;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
