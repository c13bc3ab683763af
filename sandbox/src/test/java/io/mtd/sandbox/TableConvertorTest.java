package io.mtd.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TableConvertorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");
    private static final String KUBECTL_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,"
            + "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

    private static JsonNode table(String json, String includeObject) throws Exception {
        String table = TableConvertor.table(JSON.readTree(json.replace('\'', '"')), "v1", includeObject, true, NOW);
        return table == null ? null : JSON.readTree(table);
    }

    private static List<String> cells(JsonNode table, int row) {
        List<String> cells = new ArrayList<>();
        table.path("rows").path(row).path("cells").forEach(c -> cells.add(c.asText()));
        return cells;
    }

    private static List<String> columns(JsonNode table) {
        List<String> names = new ArrayList<>();
        table.path("columnDefinitions").forEach(c -> names.add(c.path("name").asText() + (c.path("priority").asInt() > 0 ? "*" : "")));
        return names;
    }

    @Test
    void kubectlsAcceptHeaderAsksForATableOfV1() {
        assertThat(TableConvertor.requested(KUBECTL_ACCEPT)).isEqualTo("v1");
        assertThat(TableConvertor.requested("application/json;as=Table;v=v1beta1;g=meta.k8s.io")).isEqualTo("v1beta1");
        assertThat(TableConvertor.requested("application/json, */*")).isNull();
        assertThat(TableConvertor.requested("application/json;as=Table;v=v2;g=meta.k8s.io,application/json")).isNull();
        assertThat(TableConvertor.requested(null)).isNull();
        assertThat(TableConvertor.contentType("v1")).isEqualTo("application/json;as=Table;v=v1;g=meta.k8s.io");
    }

    @Test
    void aJobListIsATableWithTheJobPrintersColumnsAndEachJobsStatus() throws Exception {
        JsonNode table = table("{'kind':'JobList','apiVersion':'batch/v1','metadata':{'resourceVersion':'42'},'items':["
                + "{'metadata':{'name':'done','namespace':'shop','creationTimestamp':'2024-05-01T11:00:00Z'},"
                + "'spec':{'selector':{'matchLabels':{'job-name':'done','a':'b'}},'template':{'spec':{'containers':"
                + "[{'name':'migrate','image':'shop:1'},{'name':'side','image':'proxy:2'}]}}},"
                + "'status':{'succeeded':1,'startTime':'2024-05-01T11:00:05Z','completionTime':'2024-05-01T11:01:12Z',"
                + "'conditions':[{'type':'SuccessCriteriaMet','status':'True'},{'type':'Complete','status':'True'}]}},"
                + "{'metadata':{'name':'waiting','creationTimestamp':'2024-05-01T11:58:00Z'},'spec':{'suspend':true},"
                + "'status':{'conditions':[{'type':'Suspended','status':'True'}]}},"
                + "{'metadata':{'name':'running','creationTimestamp':'2024-05-01T11:50:00Z'},'spec':{'completions':2},"
                + "'status':{'startTime':'2024-05-01T11:50:00Z','active':1}},"
                + "{'metadata':{'name':'broken','creationTimestamp':'2024-05-01T10:00:00Z'},"
                + "'status':{'failed':1,'conditions':[{'type':'FailureTarget','status':'True'},{'type':'Failed','status':'True'}]}}]}",
                null);

        assertThat(table.path("kind").asText()).isEqualTo("Table");
        assertThat(table.path("apiVersion").asText()).isEqualTo("meta.k8s.io/v1");
        assertThat(table.at("/metadata/resourceVersion").asText()).isEqualTo("42");
        assertThat(columns(table)).containsExactly("Name", "Status", "Completions", "Duration", "Age", "Containers*",
                "Images*", "Selector*");
        assertThat(cells(table, 0)).containsExactly("done", "Complete", "1/1", "67s", "60m", "migrate,side", "shop:1,proxy:2",
                "a=b,job-name=done");
        assertThat(cells(table, 1)).startsWith("waiting", "Suspended", "0/1", "", "2m");
        assertThat(cells(table, 2)).startsWith("running", "Running", "0/2", "10m", "10m");
        assertThat(cells(table, 3)).startsWith("broken", "Failed", "0/1", "", "120m");
        assertThat(cells(table, 3).get(7)).isEqualTo("<none>");
        JsonNode object = table.at("/rows/0/object");
        assertThat(object.path("kind").asText()).isEqualTo("PartialObjectMetadata");
        assertThat(object.at("/metadata/namespace").asText()).isEqualTo("shop");
        assertThat(object.has("spec")).isFalse();
    }

    @Test
    void aPodsStatusIsWhatKubectlShows() throws Exception {
        String pods = "{'kind':'PodList','items':["
                + "{'metadata':{'name':'config'},'spec':{'containers':[{'name':'m'}]},'status':{'phase':'Pending',"
                + "'containerStatuses':[{'ready':false,'restartCount':0,'state':{'waiting':{'reason':'CreateContainerConfigError'}}}]}},"
                + "{'metadata':{'name':'done'},'spec':{'containers':[{'name':'m'}]},'status':{'phase':'Succeeded',"
                + "'containerStatuses':[{'ready':false,'restartCount':0,'state':{'terminated':{'reason':'Completed','exitCode':0}}}]}},"
                + "{'metadata':{'name':'up','creationTimestamp':'2024-05-01T11:59:30Z'},'spec':{'containers':[{'name':'m'}]},"
                + "'status':{'phase':'Running','podIP':'127.0.0.1','conditions':[{'type':'Ready','status':'True'}],"
                + "'containerStatuses':[{'ready':true,'restartCount':0,'state':{'running':{}}}]}},"
                + "{'metadata':{'name':'looping'},'spec':{'containers':[{'name':'m'}]},'status':{'phase':'Running',"
                + "'containerStatuses':[{'ready':false,'restartCount':3,'state':{'waiting':{'reason':'CrashLoopBackOff'}},"
                + "'lastState':{'terminated':{'exitCode':1,'finishedAt':'2024-05-01T11:55:00Z'}}}]}},"
                + "{'metadata':{'name':'evicted'},'spec':{'containers':[{'name':'m'}]},'status':{'phase':'Failed','reason':'Evicted',"
                + "'containerStatuses':[{'ready':false,'state':{'terminated':{'exitCode':137}}}]}},"
                + "{'metadata':{'name':'going','deletionTimestamp':'2024-05-01T11:59:59Z'},'spec':{'containers':[{'name':'m'}]},"
                + "'status':{'phase':'Running','containerStatuses':[{'ready':true,'state':{'running':{}}}]}},"
                + "{'metadata':{'name':'new'},'spec':{'containers':[{'name':'m'}]}}]}";

        JsonNode table = table(pods, null);

        assertThat(columns(table)).containsExactly("Name", "Ready", "Status", "Restarts", "Age", "IP*", "Node*",
                "Nominated Node*", "Readiness Gates*");
        assertThat(cells(table, 0)).startsWith("config", "0/1", "CreateContainerConfigError", "0", "<unknown>", "<none>");
        assertThat(cells(table, 1)).startsWith("done", "0/1", "Completed", "0");
        assertThat(table.at("/rows/1/conditions/0/type").asText()).isEqualTo("Completed");
        assertThat(cells(table, 2)).containsExactly("up", "1/1", "Running", "0", "30s", "127.0.0.1", "<none>", "<none>", "<none>");
        assertThat(cells(table, 3)).startsWith("looping", "0/1", "CrashLoopBackOff", "3 (5m ago)");
        assertThat(cells(table, 4)).startsWith("evicted", "0/1", "ExitCode:137");
        assertThat(cells(table, 5)).startsWith("going", "1/1", "Terminating");
        assertThat(cells(table, 6)).startsWith("new", "0/1", "Pending");
    }

    @Test
    void deploymentsReplicaSetsAndTheSmallKindsHaveTheirColumns() throws Exception {
        JsonNode deployment = table("{'kind':'Deployment','metadata':{'name':'web','creationTimestamp':'2024-05-01T11:00:00Z'},"
                + "'spec':{'replicas':2,'selector':{'matchLabels':{'app':'web'}},'template':{'spec':{'containers':[{'name':'web',"
                + "'image':'shop:2'}]}}},'status':{'readyReplicas':1,'updatedReplicas':2,'availableReplicas':1}}", null);
        assertThat(columns(deployment)).containsExactly("Name", "Ready", "Up-to-date", "Available", "Age", "Containers*",
                "Images*", "Selector*");
        assertThat(cells(deployment, 0)).containsExactly("web", "1/2", "2", "1", "60m", "web", "shop:2", "app=web");

        JsonNode replicaSet = table("{'kind':'ReplicaSetList','items':[{'metadata':{'name':'web-1'},'spec':{'replicas':2,"
                + "'selector':{'matchExpressions':[{'key':'tier','operator':'In','values':['web','api']}]}},"
                + "'status':{'replicas':2,'readyReplicas':1}}]}", null);
        assertThat(cells(replicaSet, 0)).startsWith("web-1", "2", "2", "1").endsWith("tier in (api,web)");
        assertThat(replicaSet.at("/rows/0/cells/1").isInt()).isTrue();

        assertThat(cells(table("{'kind':'LeaseList','items':[{'metadata':{'name':'shop-staging'},"
                + "'spec':{'holderIdentity':'run-1'}}]}", null), 0)).containsExactly("shop-staging", "run-1", "<unknown>");
        assertThat(cells(table("{'kind':'ConfigMap','metadata':{'name':'sql'},'data':{'a':'1','b':'2'},'binaryData':{'c':'AA=='}}",
                null), 0)).containsExactly("sql", "3", "<unknown>");
        assertThat(cells(table("{'kind':'Secret','metadata':{'name':'db'},'data':{'URL':'eA=='}}", null), 0))
                .containsExactly("db", "Opaque", "1", "<unknown>");
        assertThat(cells(table("{'kind':'RoleBinding','metadata':{'name':'deployer'},'roleRef':{'kind':'Role','name':'mtd'},"
                + "'subjects':[{'kind':'ServiceAccount','name':'ci','namespace':'tools'},{'kind':'User','name':'ann'}]}", null), 0))
                .containsExactly("deployer", "Role/mtd", "<unknown>", "ann", "", "tools/ci");
        assertThat(columns(table("{'kind':'Role','metadata':{'name':'mtd','creationTimestamp':'2024-05-01T11:00:00Z'}}", null)))
                .containsExactly("Name", "Created At");
    }

    @Test
    void aKindWithoutPrinterIsLeftAsObjects() throws Exception {
        assertThat(table("{'kind':'ServiceList','items':[]}", null)).isNull();
        assertThat(table("{'kind':'Status','status':'Failure'}", null)).isNull();
    }

    @Test
    void theRowObjectIsWhatIncludeObjectAsks() throws Exception {
        String job = "{'kind':'Job','apiVersion':'batch/v1','metadata':{'name':'m'},'spec':{'backoffLimit':0}}";

        assertThat(table(job, "None").at("/rows/0").has("object")).isFalse();
        assertThat(table(job, "Object").at("/rows/0/object/spec/backoffLimit").asInt()).isZero();
        assertThat(table(job, "Metadata").at("/rows/0/object/kind").asText()).isEqualTo("PartialObjectMetadata");
        JsonNode withoutColumns = JSON.readTree(TableConvertor.table(JSON.readTree(job.replace('\'', '"')), "v1", null, false, NOW));
        assertThat(withoutColumns.path("columnDefinitions").size()).isZero();
        assertThat(withoutColumns.path("rows").size()).isEqualTo(1);
    }

    @Test
    void durationsReadAsKubectlPrintsThem() {
        assertThat(TableConvertor.humanDuration(Duration.ofSeconds(-5))).isEqualTo("<invalid>");
        assertThat(TableConvertor.humanDuration(Duration.ofMillis(-500))).isEqualTo("0s");
        assertThat(TableConvertor.humanDuration(Duration.ofSeconds(119))).isEqualTo("119s");
        assertThat(TableConvertor.humanDuration(Duration.ofSeconds(125))).isEqualTo("2m5s");
        assertThat(TableConvertor.humanDuration(Duration.ofMinutes(5))).isEqualTo("5m");
        assertThat(TableConvertor.humanDuration(Duration.ofMinutes(170))).isEqualTo("170m");
        assertThat(TableConvertor.humanDuration(Duration.ofMinutes(200))).isEqualTo("3h20m");
        assertThat(TableConvertor.humanDuration(Duration.ofHours(30))).isEqualTo("30h");
        assertThat(TableConvertor.humanDuration(Duration.ofHours(50))).isEqualTo("2d2h");
        assertThat(TableConvertor.humanDuration(Duration.ofDays(100))).isEqualTo("100d");
        assertThat(TableConvertor.humanDuration(Duration.ofDays(800))).isEqualTo("2y70d");
        assertThat(TableConvertor.humanDuration(Duration.ofDays(365 * 9))).isEqualTo("9y");
    }
}
