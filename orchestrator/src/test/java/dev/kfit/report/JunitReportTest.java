package dev.kfit.report;

import dev.kfit.verdict.Measurement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JunitReportTest {
    @TempDir
    Path dir;

    private static Document parse(String xml) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    /** Our schema of what Jenkins' xUnit plugin reads as JUnit, with Surefire's rerun elements (src/test/resources/junit). */
    private static Schema ciSchema() throws Exception {
        return SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI)
                .newSchema(JunitReportTest.class.getResource("/junit/ci-junit.xsd"));
    }

    private static void validate(String xml) throws Exception {
        ciSchema().newValidator().validate(new StreamSource(new StringReader(xml)));
    }

    private static List<Element> cases(Document d) {
        NodeList n = d.getElementsByTagName("testcase");
        List<Element> l = new ArrayList<>();
        for (int i = 0; i < n.getLength(); i++) {
            l.add((Element) n.item(i));
        }
        return l;
    }

    private static Element named(List<Element> cases, String classname, String name) {
        return cases.stream().filter(c -> c.getAttribute("classname").equals(classname) && c.getAttribute("name").equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no test case " + classname + " " + name));
    }

    private static Element only(Element parent, String tag) {
        NodeList n = parent.getElementsByTagName(tag);
        assertThat(n.getLength()).as(tag).isEqualTo(1);
        return (Element) n.item(0);
    }

    /** A real run with a retried cell that reached a verdict, and one that stayed kfit's error every time. */
    private static Results withRetries(Results r) {
        List<CellResult> cells = new ArrayList<>(r.cells());
        CellResult blocked = r.cells().get(1);
        cells.set(1, blocked.withAttempts(2));
        CellResult base = r.cells().get(0);
        cells.add(CellResult.builder()
                .id(base.kernel() + ".pinned-unbind.r2").kernel(base.kernel()).kernelVersion(base.kernelVersion())
                .kernelSource(base.kernelSource()).patches(base.patches()).scenario("pinned-unbind").repetition(2)
                .verdict("INFRA_ERROR").pin(new CellResult.Pin(null, null)).splats(List.of()).faults(List.of())
                .recovery(Map.of()).console("cells/x/target/console.log")
                .consoles(Map.of("target", "cells/x/target/console.log")).history("cells/x/history.jsonl")
                .error("SshException: connection refused by 127.0.0.1:40022\n\tat dev.kfit.ssh.SshSession.connect")
                .startedAt("2026-11-30T13:07:00Z").durationS(300.25).attempts(3).measurements(List.of())
                .build());
        return new Results(r.run(), cells);
    }

    @Test
    void realRunsValidateAgainstTheCiSchema() throws Exception {
        for (String name : List.of("reproduce-7.2", "bench-one-host")) {
            validate(JunitReport.render(withRetries(KcidbExportTest.fixture(name))));
            validate(JunitReport.render(withRetries(KcidbExportTest.fixture(name)), dir));
        }
        validate(JunitReport.render(Cells.results(Cells.blocked(), Cells.refused(), Cells.infra())));
    }

    @Test
    void theSchemaRejectsWhatTheReadersWouldNot() throws Exception {
        String ok = JunitReport.render(withRetries(KcidbExportTest.fixture("reproduce-7.2")));
        validate(ok);
        assertThatThrownBy(() -> validate(ok.replaceFirst(" name=\"pinned-unbind.r1\"", ""))).isInstanceOf(SAXException.class);
        assertThatThrownBy(() -> validate(ok.replaceFirst("<flakyError message=\"([^\"]*)\" type=\"INFRA_ERROR\"", "<flakyError message=\"$1\"")))
                .isInstanceOf(SAXException.class);
        assertThatThrownBy(() -> validate(ok.replaceFirst("<system-out>", "<bogus/><system-out>"))).isInstanceOf(SAXException.class);
        assertThatThrownBy(() -> validate(ok.replaceFirst("time=\"([0-9]+)\\.", "time=\"$1,"))).isInstanceOf(SAXException.class);
    }

    @Test
    void findingIsAFailureKfitErrorsAreErrorsRefusedPinPasses() throws Exception {
        Document d = parse(JunitReport.render(Cells.results(Cells.blocked(), Cells.refused(), Cells.infra())));
        Element root = d.getDocumentElement();
        assertThat(root.getTagName()).isEqualTo("testsuites");
        assertThat(root.getAttribute("tests")).isEqualTo("3");
        assertThat(root.getAttribute("failures")).isEqualTo("1");
        assertThat(root.getAttribute("errors")).isEqualTo("1");
        List<Element> cases = cases(d);
        Element failure = only(cases.get(0), "failure");
        assertThat(failure.getAttribute("type")).isEqualTo("BLOCKED_UNTIL_RELEASE");
        assertThat(failure.getAttribute("message")).contains("unbind_ms 17.05 s");
        assertThat(failure.getTextContent()).contains("HUNG_TASK").contains("blocked for more than");
        assertThat(cases.get(1).getElementsByTagName("failure").getLength()).isZero();
        assertThat(cases.get(1).getElementsByTagName("error").getLength()).isZero();
        Element error = only(cases.get(2), "error");
        assertThat(error.getAttribute("type")).isEqualTo("INFRA_ERROR");
        assertThat(error.getTextContent()).contains("connection refused").contains("kfit's own error, not the kernel's");
        assertThat(cases.get(2).getElementsByTagName("failure").getLength()).isZero();
    }

    @Test
    void theVerdictAndMeasurementsAreInTheBodyNotOnlyTheMessageGitlabIgnores() throws Exception {
        Document d = parse(JunitReport.render(KcidbExportTest.fixture("bench-one-host")));
        Element traffic = named(cases(d), "kfit.kernel_6_12_series", "traffic-unbind.r1");
        String body = only(traffic, "failure").getTextContent();
        assertThat(body).startsWith("verdict: BLOCKED_UNTIL_RELEASE (a kernel finding)\n")
                .contains("kernel: 6.12-series 6.12.117 from debian:linux-source-6.12=6.12.117-1")
                .contains("  unbind_ms = 24.05 s (24045.096427 ms)\n")
                .contains("  blocked_after_release_ms = 43 ms")
                .contains("  during_mb_s = 3.6 MB/s")
                .contains("  completions = 798 (798 count)")
                .contains("memunmap_pages");
        assertThat(only(traffic, "failure").getAttribute("message")).contains("unbind_ms 24.05 s").contains("during_mb_s 3.6 MB/s");
        Element pass = cases(d).get(0);
        assertThat(only(pass, "system-out").getTextContent()).startsWith("PIN_REFUSED on 6.12 (6.12.117): unbind_ms 155 ms\n");
    }

    @Test
    void classNamesGroupByKernelWithOneDotSoJenkinsSplitsOffTheKernel() throws Exception {
        Document d = parse(JunitReport.render(KcidbExportTest.fixture("reproduce-7.2")));
        List<Element> cases = cases(d);
        assertThat(cases).extracting(c -> c.getAttribute("classname"))
                .containsExactly("kfit.kernel_7_2", "kfit.kernel_7_2_series");
        for (Element c : cases) {
            String cn = c.getAttribute("classname");
            // Jenkins: package is what comes before the last dot, the class what follows.
            assertThat(cn.substring(0, cn.lastIndexOf('.'))).isEqualTo("kfit");
            assertThat(cn.substring(cn.lastIndexOf('.') + 1)).matches("kernel_[A-Za-z0-9_]+");
            assertThat(((Element) c.getParentNode()).getAttribute("name")).isEqualTo(cn);
        }
        assertThat(d.getElementsByTagName("testsuite").getLength()).isEqualTo(2);

        Results clash = new Results(new Results.RunInfo("s", "2026-11-30T13:00:00Z", "vm", "q", "TCG", List.of(
                new Results.KernelInfo("6.12-series", "6.12.117", "s", List.of(), "gcc", "a", true, 1, "builds/a.log"),
                new Results.KernelInfo("6.12_series", "6.12.117", "s", List.of(), "gcc", "b", true, 1, "builds/b.log")), "img"),
                List.of());
        assertThat(JunitReport.classNames(clash)).containsExactly(Map.entry("6.12-series", "kfit.kernel_6_12_series"),
                Map.entry("6.12_series", "kfit.kernel_6_12_series_2"));
    }

    @Test
    void consoleAndHistoryAreAttachmentLinesInTheCasesSystemOutAbsoluteWhenWrittenInTheRun() throws Exception {
        Path run = Files.createDirectories(dir.resolve("run"));
        JunitReport.write(KcidbExportTest.fixture("reproduce-7.2"), run.resolve("junit.xml"));
        String xml = Files.readString(run.resolve("junit.xml"));
        validate(xml);
        Element blocked = cases(parse(xml)).get(1);
        assertThat(only(blocked, "system-out").getTextContent().lines())
                .contains("[[ATTACHMENT|" + run.resolve("cells/7.2-series.pinned-unbind.r1/target/console.log") + "]]",
                        "[[ATTACHMENT|" + run.resolve("cells/7.2-series.pinned-unbind.r1/history.jsonl") + "]]")
                .filteredOn(l -> l.startsWith("[[ATTACHMENT|")).hasSize(2); // the target's console once, not twice
        assertThat(run.resolve("junit.xml.tmp")).doesNotExist();

        Element relative = cases(parse(JunitReport.render(KcidbExportTest.fixture("reproduce-7.2")))).get(1);
        assertThat(only(relative, "system-out").getTextContent())
                .contains("[[ATTACHMENT|cells/7.2-series.pinned-unbind.r1/target/console.log]]\n");
    }

    @Test
    void aRetriedCellIsShownAsSurefireShowsARerunTest() throws Exception {
        String xml = JunitReport.render(withRetries(KcidbExportTest.fixture("reproduce-7.2")));
        List<Element> cases = cases(parse(xml));
        // Attempt 1 was kfit's error, attempt 2 found the block: the failure stands, the error did not recur.
        Element flaky = named(cases, "kfit.kernel_7_2_series", "pinned-unbind.r1");
        assertThat(only(flaky, "failure").getAttribute("type")).isEqualTo("BLOCKED_UNTIL_RELEASE");
        Element e = only(flaky, "flakyError");
        assertThat(e.getAttribute("type")).isEqualTo("INFRA_ERROR");
        assertThat(e.getAttribute("message")).isEqualTo("attempt 1 of 2: INFRA_ERROR, run again");
        assertThat(only(e, "stackTrace").getTextContent()).contains("kfit's own error");
        assertThat(flaky.getElementsByTagName("rerunError").getLength()).isZero();
        // Three attempts, all kfit's error: the last is the error, the two before are reruns.
        Element infra = named(cases, "kfit.kernel_7_2", "pinned-unbind.r2");
        assertThat(only(infra, "error").getAttribute("message")).endsWith("(after 3 attempts)");
        assertThat(infra.getElementsByTagName("rerunError").getLength()).isEqualTo(2);
        assertThat(infra.getElementsByTagName("flakyError").getLength()).isZero();
        // One attempt: nothing of the kind.
        assertThat(named(cases, "kfit.kernel_7_2", "pinned-unbind.r1").getElementsByTagName("flakyError").getLength()).isZero();
    }

    @Test
    void aVerdictThisKfitDoesNotKnowIsAnErrorNotAPass() throws Exception {
        CellResult c = Cells.refused();
        CellResult odd = c.toBuilder().verdict("SOMETHING_NEWER")
                .measurements(List.of(Measurement.ms("unbind_ms", 120.4))).build();
        String xml = JunitReport.render(Cells.results(odd));
        validate(xml);
        Element error = only(cases(parse(xml)).get(0), "error");
        assertThat(error.getTextContent()).startsWith("verdict: SOMETHING_NEWER (not a verdict this kfit knows)");
    }

    @Test
    void consoleControlBytesAndMarkupStayValidXml() throws Exception {
        assertThat(JunitReport.esc("a<b>&\"\u0001\u001b[0m")).isEqualTo("a&lt;b&gt;&amp;&quot;[0m");
        assertThat(JunitReport.attr("a\nb")).isEqualTo("a&#10;b");
        Path file = dir.resolve("junit.xml");
        JunitReport.write(Cells.results(Cells.blocked()), file);
        validate(Files.readString(file));
        assertThat(parse(Files.readString(file)).getDocumentElement().getAttribute("tests")).isEqualTo("1");
    }
}
