package dev.kfit.history;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kfit.error.InfraException;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A cell's append-only event log, written to {@code history.jsonl} as events arrive (flushed
 * each time), so the evidence is on disk before any verdict is computed.
 */
public final class History implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private final BufferedWriter out;
    private final List<Event> events = new ArrayList<>();

    public History(Path file) {
        this.file = file;
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new InfraException("cannot open history " + file + ": " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    public synchronized Event append(Event e) {
        events.add(e);
        try {
            out.write(JSON.writeValueAsString(e));
            out.write('\n');
            out.flush();
        } catch (IOException ex) {
            throw new InfraException("cannot write history " + file + ": " + ex.getMessage(), ex);
        }
        return e;
    }

    /** A host-side event (kfit's own actions: boot, connect, inject requested, verdict inputs). */
    public Event host(String type, Map<String, Object> data) {
        return append(new Event(System.currentTimeMillis(), "host", "kfit", type, null, data));
    }

    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /** Reads a history file back, e.g. for reports rebuilt from a run directory. */
    public static List<Event> read(Path file) {
        try {
            List<Event> list = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    list.add(JSON.readValue(line, Event.class));
                }
            }
            return list;
        } catch (IOException e) {
            throw new InfraException("cannot read history " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException ignored) {
            // already flushed after each event
        }
    }
}
