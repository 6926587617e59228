package dev.kfit.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class JunitReportTest {
    @TempDir
    Path dir;

    private static Document parse(String xml) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void findingIsAFailureInfraIsAnErrorRefusedPinPasses() throws Exception {
        Document d = parse(JunitReport.render(Cells.results(Cells.blocked(), Cells.refused(), Cells.infra())));
        Element suite = d.getDocumentElement();
        assertThat(suite.getAttribute("tests")).isEqualTo("3");
        assertThat(suite.getAttribute("failures")).isEqualTo("1");
        assertThat(suite.getAttribute("errors")).isEqualTo("1");
        NodeList cases = suite.getElementsByTagName("testcase");
        Element blocked = (Element) cases.item(0);
        Element failure = (Element) blocked.getElementsByTagName("failure").item(0);
        assertThat(failure.getAttribute("type")).isEqualTo("BLOCKED_UNTIL_RELEASE");
        assertThat(failure.getAttribute("message")).contains("unbind 17050 ms");
        assertThat(failure.getTextContent()).contains("HUNG_TASK").contains("blocked for more than");
        Element refused = (Element) cases.item(1);
        assertThat(refused.getElementsByTagName("failure").getLength()).isZero();
        assertThat(refused.getElementsByTagName("error").getLength()).isZero();
        Element infra = (Element) cases.item(2);
        assertThat(((Element) infra.getElementsByTagName("error").item(0)).getTextContent()).contains("connection refused");
    }

    @Test
    void consoleControlBytesAndMarkupStayValidXml() throws Exception {
        assertThat(JunitReport.esc("a<b>&\"\u0001\u001b[0m")).isEqualTo("a&lt;b&gt;&amp;&quot;[0m");
        Path file = dir.resolve("junit.xml");
        JunitReport.write(Cells.results(Cells.blocked()), file);
        assertThat(parse(Files.readString(file)).getDocumentElement().getAttribute("tests")).isEqualTo("1");
        assertThat(dir.resolve("junit.xml.tmp")).doesNotExist();
    }
}
