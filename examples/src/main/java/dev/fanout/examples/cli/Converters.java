package dev.fanout.examples.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** picocli converters for durations ({@code 500ms}, {@code 5s}, {@code 2m}) and sizes ({@code 64k}, {@code 16MiB}). */
final class Converters {

    private static final Pattern AMOUNT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([a-zA-Z]*)");

    private Converters() {
    }

    /** {@code 500ms}, {@code 5s}, {@code 1.5s}, {@code 2m}, {@code 1h}; a bare number is seconds. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Matcher m = AMOUNT.matcher(value.trim());
            if (!m.matches()) {
                throw new TypeConversionException("'" + value + "' is not a duration (expected: e.g. 500ms, 5s, 2m)");
            }
            BigDecimal n = new BigDecimal(m.group(1));
            long nanosPerUnit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
                case "ms" -> 1_000_000L;
                case "", "s" -> 1_000_000_000L;
                case "m", "min" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> throw new TypeConversionException("'" + value
                        + "' has an unknown unit (expected: ms, s, m or h)");
            };
            return Duration.ofNanos(n.multiply(BigDecimal.valueOf(nanosPerUnit)).longValue());
        }
    }

    /** Bytes: {@code 1024}, {@code 64k}, {@code 16m}, {@code 16MiB}, {@code 1g} (binary multiples). */
    static final class SizeConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            Matcher m = AMOUNT.matcher(value.trim());
            if (!m.matches()) {
                throw new TypeConversionException("'" + value + "' is not a size (expected: e.g. 1024, 64k, 16m)");
            }
            long unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
                case "", "b" -> 1L;
                case "k", "kb", "kib" -> 1L << 10;
                case "m", "mb", "mib" -> 1L << 20;
                case "g", "gb", "gib" -> 1L << 30;
                default -> throw new TypeConversionException("'" + value
                        + "' has an unknown unit (expected: k, m or g)");
            };
            BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit));
            if (bytes.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) > 0) {
                throw new TypeConversionException("'" + value + "' is too large (expected: at most 2g - 1)");
            }
            return bytes.intValue();
        }
    }
}
