package dev.kfit.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * describeFailure on output produced by the real GNU patch, run exactly as KernelBuilder runs its
 * dry run (stdout and stderr merged), so a change in patch's wording shows up here first.
 */
class KernelBuilderDescribeFailureTest {
    @TempDir
    Path tree;

    @BeforeEach
    void fakeKernelTree() throws IOException {
        Files.createDirectories(tree.resolve("mm"));
        Files.createDirectories(tree.resolve("drivers/nvme/host"));
        // mm/gup.c long enough that a hunk can sit at line 2633, like the real one.
        Files.writeString(tree.resolve("mm/gup.c"),
                IntStream.rangeClosed(1, 3000).mapToObj(i -> "gup " + i).collect(Collectors.joining("\n", "", "\n")));
        Files.writeString(tree.resolve("drivers/nvme/host/pci.c"), "a\nb\nc\nd\ne\n");
    }

    private String dryRun(String patchText) throws IOException, InterruptedException {
        Path patch = Files.writeString(tree.resolve("fix.patch"), patchText);
        ProcessBuilder pb = new ProcessBuilder("patch", "-p1", "--forward", "--batch", "--dry-run", "-i", patch.toString())
                .directory(tree.toFile()).redirectErrorStream(true);
        pb.environment().put("LC_ALL", "C"); // the messages matched are the untranslated ones
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("patch should have failed:\n%s", out).isNotZero();
        return out;
    }

    private static final String PCI_OK = """
            --- a/drivers/nvme/host/pci.c
            +++ b/drivers/nvme/host/pci.c
            @@ -2,3 +2,3 @@
             b
            -c
            +c2
             d
            """;

    @Test
    void failedHunkNamesHunkLineAndFile() throws Exception {
        // The first file applies, the second file's second hunk does not: the report must name the second file.
        String out = dryRun(PCI_OK + """
                --- a/mm/gup.c
                +++ b/mm/gup.c
                @@ -10,3 +10,3 @@
                 gup 10
                -gup 11
                +gup 11 changed
                 gup 12
                @@ -2633,3 +2633,3 @@
                 gup 2633
                -not what the tree has
                +gup 2634 changed
                 gup 2635
                """);

        assertThat(out).contains("Hunk #2 FAILED at 2633");
        String d = KernelBuilder.describeFailure(out);
        assertThat(d).isEqualTo("hunk #2 FAILED at line 2633 of mm/gup.c");
    }

    @Test
    void literalPatchOutputForASingleFailedHunk() {
        assertThat(KernelBuilder.describeFailure("checking file mm/gup.c\nHunk #1 FAILED at 2633.\n1 out of 1 hunk FAILED\n"))
                .isEqualTo("hunk #1 FAILED at line 2633 of mm/gup.c");
    }

    @Test
    void alreadyAppliedPatch() throws Exception {
        Files.writeString(tree.resolve("drivers/nvme/host/pci.c"), "a\nb\nc2\nd\ne\n");

        String d = KernelBuilder.describeFailure(dryRun(PCI_OK));

        assertThat(d).contains("already applied").contains("drivers/nvme/host/pci.c");
    }

    @Test
    void patchForAFileTheTreeDoesNotHave() throws Exception {
        String d = KernelBuilder.describeFailure(dryRun(PCI_OK.replace("drivers/nvme/host/pci.c", "drivers/nvme/host/p2p.c")));

        assertThat(d).isEqualTo("a file it patches does not exist in this tree");
    }

    @Test
    void notAPatchAtAll() throws Exception {
        String d = KernelBuilder.describeFailure(dryRun("This is the cover letter, not a diff.\n"));

        assertThat(d).startsWith("not a patch").contains("Only garbage was found in the patch input");
    }

    @Test
    void unknownOutputIsKeptButOnOneLine() {
        String d = KernelBuilder.describeFailure("patch: **** something new\nand more\n");

        assertThat(d).isEqualTo("patch: **** something new and more");
        assertThat(KernelBuilder.describeFailure("")).isEqualTo("patch failed without output");
    }
}
