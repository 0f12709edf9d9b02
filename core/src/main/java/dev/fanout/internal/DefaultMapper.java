package dev.fanout.internal;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The Jackson mapper a client uses when none is given: Jackson's defaults, with its fast number parsers
 * ({@code StreamReadFeature.USE_FAST_DOUBLE_PARSER} and {@code USE_FAST_BIG_NUMBER_PARSER}, FastDoubleParser
 * shaded inside jackson-core). They give the same, correctly rounded values as {@code Double.parseDouble}
 * and {@code new BigDecimal}, and decoding a number-heavy body into a tree takes about 10 % less time
 * (measured on S3's 100 KB body). Jackson 3 turns them on by default. A mapper the caller supplies is
 * used as given.
 */
public final class DefaultMapper {

    private DefaultMapper() {
    }

    /**
     * A new mapper: one per client, and one more as {@code FetchResult}'s default for results built
     * without a mapper (private, never reconfigured; a built mapper is thread-safe).
     */
    public static ObjectMapper create() {
        return JsonMapper.builder()
                .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER, StreamReadFeature.USE_FAST_BIG_NUMBER_PARSER)
                .build();
    }
}
