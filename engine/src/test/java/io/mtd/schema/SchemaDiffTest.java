package io.mtd.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Reading dumps, diffing snapshots and judging a skip, without a database: the cases pg_dump does not make for us. */
class SchemaDiffTest {

    private static final String DUMP = """
            --
            -- PostgreSQL database dump
            --

            \\restrict %s

            -- Dumped from database version 14.22
            -- Dumped by pg_dump version %s

            SET statement_timeout = 0;
            SELECT pg_catalog.set_config('search_path', '', false);

            CREATE FUNCTION public.f(a integer) RETURNS integer
                LANGUAGE sql IMMUTABLE
                AS %s;

            ALTER FUNCTION public.f(a integer) OWNER TO %s;

            CREATE TABLE public.t (
                id integer NOT NULL,
                note text
            );

            CREATE PUBLICATION everything FOR ALL TABLES;

            GRANT ALL ON TABLE public.t TO %s;

            \\unrestrict %s
            """;

    private static SchemaSnapshot dump(String key, String version, String body, String owner) {
        return DumpReader.read(DUMP.formatted(key, version, body, owner, owner, key));
    }

    @Test
    void dumpsThatDifferInTheirRestrictKeyVersionLinesOwnersGrantsAndBodyQuotesAreTheSame() {
        SchemaSnapshot a = dump("AbC123", "15.18", "$$ select a + 1 $$", "postgres");
        SchemaSnapshot b = dump("XyZ987", "17.2", "$_$ select a + 1 $_$", "shop_owner");

        assertThat(b.fingerprint()).isEqualTo(a.fingerprint());
        assertThat(a.lines()).contains("table public.t\t", "column public.t.id\tinteger NOT NULL", "column public.t.note\ttext",
                // a statement the reader has no rule for is kept whole, so that a change to it still shows
                "statement CREATE PUBLICATION everything FOR ALL TABLES\t")
                .anyMatch(l -> l.startsWith("function public.f(a integer)\tRETURNS integer LANGUAGE sql IMMUTABLE AS $body:"))
                .noneMatch(l -> l.contains("restrict") || l.contains("OWNER") || l.contains("GRANT"));
    }

    @Test
    void aChangedFunctionBodyChangesTheFunction() {
        SchemaSnapshot a = dump("k", "15", "$$ select a + 1 $$", "postgres");
        SchemaSnapshot b = dump("k", "15", "$$ select a + 2 $$", "postgres");

        assertThat(SchemaDiff.between(a, b).changed()).singleElement().asString().startsWith("function public.f(a integer): ");
    }

    @Test
    void aLongDifferenceShowsFortyLinesAndSaysTheRestIsInTheReport() {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            many.add("index public.t.i" + i + "\tUSING btree(c" + i + ")");
        }
        SchemaDiff diff = SchemaDiff.between(new SchemaSnapshot(List.of()), new SchemaSnapshot(many));

        assertThat(diff.lines()).hasSize(100);
        assertThat(diff.excerpt(40)).hasSize(40).last().isEqualTo("... and 61 more (every difference is in the report)");
        assertThat(diff.report().added()).hasSize(100);
        assertThat(diff.report().sha256()).isEqualTo(diff.fingerprint()).startsWith(diff.report().fingerprint());
    }

    @Test
    void aKeptSnapshotReadsBackAsItWasWritten() {
        SchemaSnapshot s = dump("k", "15", "$$ select 1 $$", "postgres");
        assertThat(SchemaSnapshot.uncompressed(s.compressed())).isEqualTo(s);
        assertThat(SchemaSnapshot.uncompressed(new SchemaSnapshot(List.of()).compressed()).lines()).isEmpty();
    }

    @Test
    void aSkipIsTrustedOnlyWhenTheSchemaIsStillTheOneTheSucceededMigrationLeft() {
        SchemaSnapshot left = dump("k", "15", "$$ select 1 $$", "postgres");
        SchemaSnapshot changed = new SchemaSnapshot(List.of("table public.other\t"));
        SnapshotStore.KeptSnapshot kept = new SnapshotStore.KeptSnapshot("shop:2", "run-7", Instant.EPOCH, "postgres:18 pg_dump",
                null, left);

        SkipTrust same = SkipTrust.of(Optional.of(kept), "shop:2", "postgres:18 pg_dump", left);
        assertThat(same.trusted()).isTrue();
        assertThat(same.why()).contains(left.shortFingerprint()).contains("run-7").contains("on the database's word");

        assertThat(SkipTrust.of(Optional.of(kept), "shop:2", "postgres:18 pg_dump", changed).why())
                .contains("not the " + left.shortFingerprint()).contains("runs again");
        assertThat(SkipTrust.of(Optional.of(kept), "shop:3", "postgres:18 pg_dump", left).trusted()).isFalse();
        assertThat(SkipTrust.of(Optional.of(kept), "shop:2", "postgres:16 pg_dump", left).trusted()).isFalse();
        assertThat(SkipTrust.of(Optional.empty(), "shop:2", "postgres:18 pg_dump", left).trusted()).isFalse();
    }
}
