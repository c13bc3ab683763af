package io.mtd.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.mtd.release.Release;

/**
 * An environment's release record as the run found and left it.
 *
 * @param before what the environment was at when the run reached it (null: nothing recorded yet)
 * @param recorded this run's release as it recorded it there, in the state it reached (null: it recorded none)
 * @param rollback whether the run took the environment back to its image on purpose, over a newer release
 * @param supersededBy the newer run's release that stopped this run there (null: it was not superseded)
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record ReleaseReport(Release before, Release recorded, boolean rollback, Release supersededBy) {}
