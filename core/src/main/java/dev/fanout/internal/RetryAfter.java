package dev.fanout.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Parses a {@code Retry-After} value in both forms of RFC 9110 section 10.2.3: delta-seconds
 * ({@code 120}) and an HTTP-date ({@code Wed, 21 Oct 2015 07:28:00 GMT}). Pure.
 */
public final class RetryAfter {

    private RetryAfter() {
    }

    /**
     * The wait the value asks for, measured from {@code now}; zero for a date in the past; null when
     * the value is missing or unreadable.
     */
    public static Duration parse(String value, Instant now) {
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
            Duration d = Duration.between(now, at);
            return d.isNegative() ? Duration.ZERO : d;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
