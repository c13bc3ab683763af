package io.mtd.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtd.migration.MigrationStage;
import io.mtd.plan.DatabaseJob;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** The built-in snapshot command's output read back, whole or cut where a Job's kept log ends. */
class SnapshotOutputTest {

    private static List<String> log(String dump) throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(dump.getBytes(StandardCharsets.UTF_8));
        }
        List<String> log = new ArrayList<>();
        log.add(DatabaseJob.COMPRESSED_MARKER);
        log.addAll(List.of(Base64.getMimeEncoder().encodeToString(gz.toByteArray()).split("\r\n")));
        return log;
    }

    @Test
    void aCompressedDumpIsReadWhole() throws Exception {
        SchemaSnapshot s = SnapshotOutput.read(log("CREATE TABLE public.t (id integer NOT NULL);\n"));

        assertThat(s.lines()).anyMatch(l -> l.startsWith("table public.t"));
    }

    @Test
    void aDumpCutWhereTheKeptLogEndsSaysWhyAndHowToNarrowIt() throws Exception {
        // random names, as thousands of tables' names and columns do not compress away: more than the kept lines hold
        java.util.Random random = new java.util.Random(7);
        StringBuilder dump = new StringBuilder();
        while (dump.length() < 6_000_000) {
            dump.append("CREATE TABLE public.t").append(Long.toHexString(random.nextLong())).append(" (id integer);\n");
        }
        List<String> whole = log(dump.toString());
        assertThat(whole.size()).isGreaterThan(MigrationStage.LOG_LINES_KEPT);

        assertThatThrownBy(() -> SnapshotOutput.read(whole.subList(0, MigrationStage.LOG_LINES_KEPT)))
                .isInstanceOf(SnapshotOutput.Unreadable.class)
                .hasMessageContaining("cut or corrupt")
                .hasMessageContaining("longer than the " + MigrationStage.LOG_LINES_KEPT + " lines")
                .hasMessageContaining("narrow migration.snapshot.command");
    }
}
