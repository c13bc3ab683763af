package io.mtd;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Inside Jenkins the engine runs on the fabric8 and Jackson of the kubernetes-client-api and jackson2-api plugins that
 * {@code plugin/pom.xml} pins, so it must be compiled against exactly those: a method that exists in one version and not
 * the other fails with {@code NoSuchMethodError} only there. An API plugin's version starts with the library's
 * ({@code 7.3.1-256.v788a_0b_787114} carries fabric8 7.3.1).
 */
class VersionAlignmentTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void theEngineIsBuiltAgainstTheFabric8AndJacksonThePluginsPinnedApiPluginsCarry() throws Exception {
        Document root = parse(ROOT.resolve("pom.xml"));
        Document plugin = parse(ROOT.resolve("plugin/pom.xml"));

        String fabric8 = property(root, "fabric8.version");
        String jackson = property(root, "jackson.version");
        String clientApi = managedVersion(plugin, "org.jenkins-ci.plugins", "kubernetes-client-api");
        String jacksonApi = managedVersion(plugin, "org.jenkins-ci.plugins", "jackson2-api");

        assertThat(carried(clientApi)).as("fabric8.version in pom.xml must be the fabric8 that kubernetes-client-api "
                + clientApi + " (plugin/pom.xml) carries").isEqualTo(fabric8);
        assertThat(carried(jacksonApi)).as("jackson.version in pom.xml must be the Jackson that jackson2-api "
                + jacksonApi + " (plugin/pom.xml) carries").isEqualTo(jackson);
    }

    @Test
    void theEngineRunsOnTheVersionsTheRootPomNames() throws Exception {
        Document root = parse(ROOT.resolve("pom.xml"));

        assertThat(com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION.toString())
                .as("jackson-databind on the engine's class path").isEqualTo(property(root, "jackson.version"));
        assertThat(Version.clientVersion()).as("fabric8 on the engine's class path").isEqualTo(property(root, "fabric8.version"));
    }

    @Test
    void anApiPluginVersionCarriesTheLibraryVersionBeforeItsFirstDash() {
        assertThat(carried("7.3.1-256.v788a_0b_787114")).isEqualTo("7.3.1");
        assertThat(carried("2.21.2-436.v29efdb_7418ff")).isEqualTo("2.21.2");
    }

    private static String carried(String apiPluginVersion) {
        int dash = apiPluginVersion.indexOf('-');
        return dash < 0 ? apiPluginVersion : apiPluginVersion.substring(0, dash);
    }

    private static Document parse(Path pom) throws Exception {
        assertThat(pom).as("run from the engine module of the checkout").exists();
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(false);
        try (var in = Files.newInputStream(pom)) {
            return factory.newDocumentBuilder().parse(in);
        }
    }

    private static String property(Document pom, String name) {
        NodeList properties = pom.getDocumentElement().getElementsByTagName("properties");
        for (int i = 0; i < properties.getLength(); i++) {
            Element p = (Element) properties.item(i);
            // the project's own properties, not a profile's
            if (p.getParentNode() == pom.getDocumentElement()) {
                NodeList value = p.getElementsByTagName(name);
                if (value.getLength() > 0) {
                    return value.item(0).getTextContent().trim();
                }
            }
        }
        throw new AssertionError("pom.xml has no property " + name);
    }

    private static String managedVersion(Document pom, String groupId, String artifactId) {
        NodeList managed = pom.getDocumentElement().getElementsByTagName("dependencyManagement");
        assertThat(managed.getLength()).as("plugin/pom.xml has a dependencyManagement section").isGreaterThan(0);
        NodeList dependencies = ((Element) managed.item(0)).getElementsByTagName("dependency");
        for (int i = 0; i < dependencies.getLength(); i++) {
            Element d = (Element) dependencies.item(i);
            if (groupId.equals(text(d, "groupId")) && artifactId.equals(text(d, "artifactId"))) {
                String version = text(d, "version");
                if (version != null) {
                    return version;
                }
            }
        }
        throw new AssertionError("plugin/pom.xml does not pin " + groupId + ":" + artifactId
                + " in dependencyManagement; the BOM's version does not carry the engine's fabric8/Jackson");
    }

    private static String text(Element e, String child) {
        NodeList n = e.getElementsByTagName(child);
        return n.getLength() == 0 ? null : n.item(0).getTextContent().trim();
    }
}
