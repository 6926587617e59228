package dev.kfit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ansible/fanout.yml with real Ansible: two workers (both this machine, as local connections with
 * their own directories: no other host is reachable here) each run their shard of
 * examples/reproduce.yaml's cells from a copy of the checkout; the controller merges their runs.
 */
class FanoutIT {
    @Test
    void workersRunTheirShardsAndTheControllerMergesEveryCellOnce() throws Exception {
        Path out = Kfit.runDir("fanout");
        Path workers = Kfit.runDir("fanout-workers");
        Kfit.runDir("fanout.hosts");
        Files.createDirectories(workers);
        Path inventory = workers.resolve("workers.ini");
        Files.writeString(inventory, "[kfit_workers]\n"
                + "w1 ansible_connection=local ansible_python_interpreter=/usr/bin/python3 kfit_worker_dir=" + workers.resolve("w1") + "\n"
                + "w2 ansible_connection=local ansible_python_interpreter=/usr/bin/python3 kfit_worker_dir=" + workers.resolve("w2") + "\n");
        Path log = workers.resolve("ansible.log");
        ProcessBuilder pb = new ProcessBuilder("ansible-playbook", "-i", inventory.toString(), "ansible/fanout.yml",
                "-e", "spec=examples/reproduce.yaml", "-e", "out=" + out)
                .directory(Kfit.ROOT.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("ANSIBLE_CONFIG", Kfit.ROOT.resolve("ansible/ansible.cfg").toString());
        Process p = pb.start();
        if (!p.waitFor(20, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("fanout.yml did not finish in 20 min\n" + Files.readString(log));
        }
        String output = Files.readString(log);
        System.err.println(output.lines().filter(l -> l.startsWith("TASK") || l.contains("failed") || l.contains("KERNEL")
                || l.contains("pinned-unbind")).map(l -> "  | " + l).reduce("", (a, b) -> a + b + "\n"));
        assertThat(p.exitValue()).as(output).isZero();

        // Each worker ran its own shard, with at least one cell, in its own copy of the checkout.
        java.util.List<String> spec = java.util.List.of("6.12.pinned-unbind.r1", "6.12-series.pinned-unbind.r1");
        String[] names = {"w1", "w2"};
        for (int i = 0; i < names.length; i++) {
            assertThat(workers.resolve(names[i]).resolve("src/kfit")).isRegularFile();
            JsonNode run = Kfit.results(workers.resolve(names[i]).resolve("runs/fanout"));
            assertThat(run.get("run").get("shard").asText()).isEqualTo((i + 1) + "/2");
            assertThat(run.get("cells")).as(names[i] + " ran cells").isNotEmpty();
            assertThat(run.get("run").get("spec_cells")).extracting(JsonNode::asText).containsExactlyElementsOf(spec);
        }
        JsonNode merged = Kfit.results(out);
        Map<String, String> verdicts = new TreeMap<>();
        java.util.List<String> ids = new java.util.ArrayList<>();
        for (JsonNode c : merged.get("cells")) {
            ids.add(c.get("id").asText());
            verdicts.put(c.get("id").asText(), c.get("verdict").asText());
            assertThat(out.resolve(c.get("console").asText())).as("console copied with its cell").isNotEmptyFile();
            assertThat(out.resolve(c.get("history").asText())).isNotEmptyFile();
        }
        assertThat(ids).as("every cell of the spec once, in its order").containsExactlyElementsOf(spec);
        assertThat(verdicts).containsExactlyEntriesOf(new TreeMap<>(Map.of(
                "6.12.pinned-unbind.r1", "PIN_REFUSED", "6.12-series.pinned-unbind.r1", "BLOCKED_UNTIL_RELEASE")));
        assertThat(merged.get("run").get("concurrency").asText()).contains("merged from 2 run(s)").contains("(shards 1/2, 2/2)");
        assertThat(merged.get("run").get("kernels")).hasSize(2);
        for (String f : new String[] {"junit.xml", "kcidb.json", "report.html", "spec.yaml"}) {
            assertThat(out.resolve(f)).isNotEmptyFile();
        }
        assertThat(output).contains("6.12-series  6.12.117  pinned-unbind");
    }
}
