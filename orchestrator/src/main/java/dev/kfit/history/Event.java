package dev.kfit.history;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Map;

/**
 * One fact in a cell's history.
 *
 * @param hostMs  host wall-clock milliseconds when kfit recorded it (ordering and bounds only)
 * @param source  where it happened: "host", or "guest:NAME"
 * @param process which actor: "kfit", "pin", "unbind", "console", ...
 * @param type    what happened, e.g. "registered", "write_end", "splat"
 * @param guestNs the guest's CLOCK_MONOTONIC in ns when it happened there (null for host events):
 *                durations that matter are differences of these
 * @param data    the rest of the event, as the guest tool printed it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Event(long hostMs, String source, String process, String type, Long guestNs, Map<String, Object> data) {
    public Event {
        // Guest events may carry nulls and their key order is worth keeping.
        data = data == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(data));
    }

    public Object get(String key) {
        return data.get(key);
    }
}
