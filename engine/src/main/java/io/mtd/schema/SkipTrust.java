package io.mtd.schema;

import java.util.Optional;

/**
 * Whether a migration that already succeeded for an image may be skipped on the database's word: only when the
 * database still has the schema that migration left, that is when the schema now has the fingerprint of the snapshot
 * kept after the successful run of that image there. An old Job record alone is never enough.
 *
 * @param trusted the schema is the one the succeeded migration left: skipping is safe
 * @param why one line for the log, saying which fingerprints were compared (or why none could be)
 */
public record SkipTrust(boolean trusted, String why) {

    /**
     * Judges a skip of {@code image}'s migration in an environment whose kept snapshot is {@code kept} (from
     * {@link SnapshotStore#read}) and whose schema now is {@code current}, taken by {@code source}
     * ({@link SnapshotStore#source}).
     */
    public static SkipTrust of(Optional<SnapshotStore.KeptSnapshot> kept, String image, String source, SchemaSnapshot current) {
        if (kept.isEmpty()) {
            return new SkipTrust(false, "no schema was kept after a successful run here: the database cannot confirm the"
                    + " migration of " + image + ", so it runs again");
        }
        SnapshotStore.KeptSnapshot k = kept.get();
        if (!image.equals(k.image())) {
            return new SkipTrust(false, "the schema kept here is the one " + k.image() + " left (run " + k.run() + "), not "
                    + image + "'s: the migration runs again");
        }
        if (!source.equals(k.source())) {
            return new SkipTrust(false, "the kept schema was taken by " + k.source() + ", this one by " + source
                    + ": they cannot be compared, so the migration runs again");
        }
        if (!k.after().fingerprint().equals(current.fingerprint())) {
            return new SkipTrust(false, "the schema is " + current.shortFingerprint() + ", not the "
                    + k.after().shortFingerprint() + " the migration of " + image + " left (run " + k.run()
                    + "): it changed since, so the migration runs again");
        }
        return new SkipTrust(true, "the schema is still " + current.shortFingerprint() + ", the one the migration of " + image
                + " left (run " + k.run() + "): skipped as already applied, on the database's word");
    }
}
