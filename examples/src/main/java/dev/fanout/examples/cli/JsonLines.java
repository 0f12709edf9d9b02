package dev.fanout.examples.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import dev.fanout.FetchResult;
import dev.fanout.internal.Redaction;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Writes one JSON object per result, one per line, flushed at once:
 * {@code {"index":0,"url":"...","ok":true,"status":200,"kind":null,"error":null,"attempts":1,"elapsed_ms":12.3,"bytes":1042}}.
 * The URL is echoed as given, less any {@code user:password@}; an international host name shows in the
 * ASCII form it was sent to.
 */
final class JsonLines implements AutoCloseable {

    private final JsonGenerator json;

    JsonLines(OutputStream out) {
        try {
            json = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)
                    .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
                    .setPrettyPrinter(new MinimalPrettyPrinter("")); // no separator between root values: we end each line ourselves
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void write(FetchResult r) {
        try {
            json.writeStartObject();
            json.writeNumberField("index", r.index());
            json.writeStringField("url", Redaction.url(r.request().url()));
            json.writeBooleanField("ok", r.isSuccess());
            json.writeNumberField("status", r.status());
            json.writeStringField("kind", r.kind() == null ? null : r.kind().name());
            json.writeStringField("error", r.error().map(Throwable::getMessage).orElse(null));
            json.writeNumberField("attempts", r.attempts());
            json.writeNumberField("elapsed_ms", Math.round(r.elapsed().toNanos() / 100_000.0) / 10.0);
            json.writeNumberField("bytes", r.body().length);
            json.writeEndObject();
            json.writeRaw('\n');
            json.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            json.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
