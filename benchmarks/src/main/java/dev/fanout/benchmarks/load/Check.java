package dev.fanout.benchmarks.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;

/** Verifies one response: every client's every response goes through the same check. */
public interface Check {

    /** True when {@code status} and {@code body} are what the endpoint serves. */
    boolean ok(int status, byte[] body);

    /** For a {@code json:N} check, N (the items the decoded tree must hold); otherwise -1. */
    default int jsonItems() {
        return -1;
    }

    /** Parses a check from its command-line form: {@code size:N}, {@code json:N} (items array of N) or {@code any}. */
    static Check parse(String spec) {
        if (spec.startsWith("size:")) {
            int size = Integer.parseInt(spec.substring(5));
            return (status, body) -> status == 200 && body.length == size && body[0] == '{' && body[size - 1] == '}';
        }
        if (spec.startsWith("json:")) {
            int items = Integer.parseInt(spec.substring(5));
            ObjectMapper mapper = new ObjectMapper();
            return new Check() {
                @Override
                public boolean ok(int status, byte[] body) {
                    if (status != 200) {
                        return false;
                    }
                    try {
                        JsonNode tree = mapper.readTree(body);
                        return tree.get("items").size() == items;
                    } catch (IOException | RuntimeException e) {
                        return false;
                    }
                }

                @Override
                public int jsonItems() {
                    return items;
                }
            };
        }
        if (spec.equals("any")) {
            return (status, body) -> status == 200 && body.length > 0 && body[0] == '{';
        }
        throw new IllegalArgumentException("check: " + spec + " (expected: size:N, json:N or any)");
    }
}
