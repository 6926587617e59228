package dev.kfit.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kfit.error.InfraException;
import dev.kfit.kernel.KernelBuild;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** results.json: {"run": ..., "cells": [...]}, rewritten atomically after every cell so nothing is lost. */
public record Results(RunInfo run, List<CellResult> cells) {
    public static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public Results {
        cells = List.copyOf(cells);
    }

    /**
     * What the run was: when, where, with what kfit and QEMU.
     *
     * @param concurrency how cells shared the machine (latencies of cells run side by side are not those of cells run alone)
     * @param shard       "I/N" when the run was one shard of the spec ({@code --shard}), else absent
     * @param specCells   for a shard: every cell id of the spec it was split from, so a merge can name the missing ones
     * @param phases      where the run's time went before and around its cells; absent in runs recorded before
     * @param nightly     for a run of {@code kfit nightly}: the nightly's name (its spec file's name). Nights of
     *                    one name are compared with each other even when the spec changed in between; absent otherwise
     */
    public record RunInfo(String spec, String startedAt, String host, String qemu, String accel,
                          List<KernelInfo> kernels, String guestImage, String concurrency,
                          @JsonInclude(JsonInclude.Include.NON_NULL) String shard,
                          @JsonInclude(JsonInclude.Include.NON_NULL) List<String> specCells,
                          @JsonInclude(JsonInclude.Include.NON_NULL) RunPhases phases,
                          @JsonInclude(JsonInclude.Include.NON_NULL) String nightly) {
        public RunInfo {
            specCells = specCells == null ? null : List.copyOf(specCells);
        }

        public RunInfo(String spec, String startedAt, String host, String qemu, String accel,
                       List<KernelInfo> kernels, String guestImage, String concurrency, String shard,
                       List<String> specCells, RunPhases phases) {
            this(spec, startedAt, host, qemu, accel, kernels, guestImage, concurrency, shard, specCells, phases, null);
        }

        public RunInfo(String spec, String startedAt, String host, String qemu, String accel,
                       List<KernelInfo> kernels, String guestImage, String concurrency, String shard,
                       List<String> specCells) {
            this(spec, startedAt, host, qemu, accel, kernels, guestImage, concurrency, shard, specCells, null);
        }

        /** The same run information with its phases' durations. */
        public RunInfo withPhases(RunPhases p) {
            return new RunInfo(spec, startedAt, host, qemu, accel, kernels, guestImage, concurrency, shard, specCells, p, nightly);
        }

        /** The same run information, as a night of the nightly {@code name}. */
        public RunInfo withNightly(String name) {
            return new RunInfo(spec, startedAt, host, qemu, accel, kernels, guestImage, concurrency, shard, specCells, phases, name);
        }

        public RunInfo(String spec, String startedAt, String host, String qemu, String accel,
                       List<KernelInfo> kernels, String guestImage, String concurrency) {
            this(spec, startedAt, host, qemu, accel, kernels, guestImage, concurrency, null, null);
        }

        public RunInfo(String spec, String startedAt, String host, String qemu, String accel,
                       List<KernelInfo> kernels, String guestImage) {
            this(spec, startedAt, host, qemu, accel, kernels, guestImage, null);
        }
    }

    /**
     * Where a run's time went, in seconds; null where not known.
     *
     * @param provisionS  the launcher's provisioning of this host before kfit started (it passes it in
     *                    {@code KFIT_PROVISION_S}; on a fresh machine, installing ansible-core); null when it did not say
     * @param provisionBesideS the playbooks the launcher ran in the background beside kfit's fetch and first
     *                    build on a fresh machine (tool chain, then the rest: see {@code LocalProvisioning}); null when none ran
     * @param imageS      building the guest image, or finding it in the cache ({@code imageCached})
     * @param kernels     each kernel, in build order
     * @param accelProbeS probing each run host for a working KVM (it boots the first kernel built, beside the
     *                    builds of the others and the image, like {@code imageS})
     * @param cellsS      from the first cell's start until the results were last written
     */
    public record RunPhases(Double provisionS, Double provisionBesideS, Double imageS, Boolean imageCached, List<KernelPhase> kernels,
                            Double accelProbeS, Double cellsS) {
        public RunPhases {
            kernels = kernels == null ? List.of() : List.copyOf(kernels);
        }

        public RunPhases withCellsS(Double s) {
            return new RunPhases(provisionS, provisionBesideS, imageS, imageCached, kernels, accelProbeS, s);
        }

        /** One line per phase, as people read them: {@code kernel 6.12: fetch 3.1 s, build 0.2 s (cached)}. */
        public List<String> describe() {
            List<String> lines = new java.util.ArrayList<>();
            lines.add("provision: " + (provisionS == null ? "not known (before kfit started)" : seconds(provisionS))
                    + (provisionBesideS == null ? "" : ", and " + seconds(provisionBesideS) + " more beside the builds"));
            if (imageS != null) {
                lines.add("guest image: " + seconds(imageS) + (Boolean.TRUE.equals(imageCached) ? " (cached)" : ""));
            }
            for (KernelPhase k : kernels) {
                lines.add("kernel " + k.label() + ": " + (k.fetchS() == null ? "" : "fetch " + seconds(k.fetchS()) + ", ")
                        + "build " + seconds(k.buildS()) + (k.cached() ? " (cached)" : ""));
            }
            if (accelProbeS != null) {
                lines.add("accelerator probe: " + seconds(accelProbeS));
            }
            if (cellsS != null) {
                lines.add("cells: " + seconds(cellsS));
            }
            return lines;
        }

        static String seconds(Double s) {
            if (s == null) {
                return "-";
            }
            return s >= 100 ? String.format(java.util.Locale.ROOT, "%.0f s", s) : String.format(java.util.Locale.ROOT, "%.1f s", s);
        }
    }

    /**
     * One kernel's share of a run.
     *
     * @param fetchS from the start of its build until the builder's first word about it: resolving and
     *               downloading the source (apt), hashing the inputs, and waiting for another run building
     *               the same kernel; null for a prebuilt kernel
     * @param buildS the rest: {@code make} when it was built, a cache lookup when it was cached
     * @param cached whether this run found it built
     */
    public record KernelPhase(String label, Double fetchS, Double buildS, boolean cached) {
    }

    /**
     * One kernel of the run. The last three fields came later: a results.json written before them,
     * or a kernel whose build did not record them (a prebuilt one), has them null (and absent on disk).
     *
     * @param builtAt      when the build started (ISO-8601 instant), also for a build this run found in the cache
     * @param patchsetHash KCIDB's patchset hash of the applied patches ("" for none), see {@link KernelBuild#patchsetHash()}
     * @param patchset     the applied patches, in order, with where they were read from and their SHA-256
     */
    public record KernelInfo(String label, String kernelVersion, String source, List<String> patches,
                             String compiler, String cacheKey, boolean cached, double buildSeconds, String buildLog,
                             @JsonInclude(JsonInclude.Include.NON_NULL) String builtAt,
                             @JsonInclude(JsonInclude.Include.NON_NULL) String patchsetHash,
                             @JsonInclude(JsonInclude.Include.NON_NULL) List<KernelBuild.AppliedPatch> patchset) {
        public KernelInfo {
            patchset = patchset == null ? null : List.copyOf(patchset);
        }

        public KernelInfo(String label, String kernelVersion, String source, List<String> patches, String compiler,
                          String cacheKey, boolean cached, double buildSeconds, String buildLog) {
            this(label, kernelVersion, source, patches, compiler, cacheKey, cached, buildSeconds, buildLog, null, null, null);
        }

        /** The kernel as its build describes it; {@code buildLog} relative to the run directory. */
        public static KernelInfo of(KernelBuild b, String buildLog) {
            return new KernelInfo(b.label(), b.kernelVersion(), b.source(), b.patches(), b.compiler(), b.cacheKey(),
                    b.cached(), b.buildSeconds(), buildLog, b.builtAt(), b.patchsetHash(), b.patchset());
        }
    }

    public void write(Path file) {
        try {
            ReportFiles.writeAtomically(file, JSON.writeValueAsString(this));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InfraException("cannot render " + file + ": " + e.getMessage(), e);
        }
    }

    public static Results read(Path file) {
        try {
            return JSON.readValue(file.toFile(), Results.class);
        } catch (IOException e) {
            throw new InfraException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
